using System.CommandLine;
using System.Text.Json;
using OrgDispatch.Cli.Output;
using OrgDispatch.Document;
using OrgDispatch.Syntax;

namespace OrgDispatch.Cli.Commands;

/// <summary><c>org-dispatch outline FILE [--json] [--todo SEQUENCE]...</c>: every headline with
/// its parsed parts, in the field set org-element reports (see docs/cli.md).</summary>
internal static class OutlineCommand
{
    public static Command Build()
    {
        var input = new OrgFileInput();
        var json = new Option<bool>("--json") { Description = "Print a JSON array, one object per headline." };
        var command = new Command("outline", "List the headlines of an Org file. Example: org-dispatch outline notes.org --json") { input.File, json, input.Todo };
        command.SetAction(parse =>
        {
            if (!input.TryRead(parse, out byte[] bytes, out OrgSyntaxOptions options)) return ExitCodes.UsageOrTransport;
            OrgDocument doc = OrgDocument.Parse(bytes, options);
            TextWriter output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json)) WriteJson(doc, output);
            else WriteText(doc, output);
            return ExitCodes.Success;
        });
        return command;
    }

    internal static void WriteJson(OrgDocument doc, TextWriter output) => JsonOutput.WriteDocument(output, w =>
        {
            ReadOnlySpan<byte> src = doc.Source.Span;
            w.WriteStartArray();
            foreach (OrgHeadline h in doc.Headlines)
            {
                OrgToken t = h.Token;
                w.WriteStartObject();
                w.WriteNumber("line", h.LineNumber);
                w.WriteNumber("level", h.Level);
                WriteRange(w, "todo", src, t.TodoKeyword);
                WriteRange(w, "priority", src, t.Priority);
                w.WriteString("title", t.Title.GetString(src));
                IReadOnlyList<string> tags = h.Tags;
                w.WriteStartArray("tags");
                foreach (string tag in tags) w.WriteStringValue(tag);
                w.WriteEndArray();
                w.WriteBoolean("commented", t.IsCommented);
                w.WriteBoolean("archived", tags.Contains("ARCHIVE"));
                OrgPlanning planning = h.Planning;
                WriteRange(w, "scheduled", src, planning.Scheduled);
                WriteRange(w, "deadline", src, planning.Deadline);
                WriteRange(w, "closed", src, planning.Closed);
                w.WriteStartObject("properties");
                // Names as written; a repeated name keeps its last value, in first-seen order.
                var properties = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var p in h.Properties) properties[p.Key] = p.Value;
                foreach (var p in properties) w.WriteString(p.Key, p.Value);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });

    private static void WriteRange(Utf8JsonWriter w, string name, ReadOnlySpan<byte> src, TextRange range)
    {
        if (range.IsPresent) w.WriteString(name, range.GetString(src));
        else w.WriteNull(name);
    }

    private static void WriteText(OrgDocument doc, TextWriter output)
    {
        foreach (OrgHeadline h in doc.Headlines)
        {
            string todo = h.TodoKeyword is { } k ? k + " " : "";
            string tags = h.Tags.Count > 0 ? "  :" + string.Join(':', h.Tags) + ":" : "";
            output.WriteLine($"{h.LineNumber,6}  {new string(' ', 2 * (h.Level - 1))}{todo}{h.Title}{tags}");
        }
    }
}
