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
        var file = new Argument<FileInfo>("FILE") { Description = "The Org file to read." };
        var json = new Option<bool>("--json") { Description = "Print a JSON array, one object per headline." };
        var todo = new Option<string[]>("--todo")
        {
            Description = "A TODO keyword sequence such as \"PENDING IN_PROGRESS | DONE\"; repeatable. Replaces the default TODO | DONE; the file's #+TODO lines win.",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("outline", "List the headlines of an Org file. Example: org-dispatch outline notes.org --json") { file, json, todo };
        command.SetAction(parse =>
        {
            FileInfo path = parse.GetValue(file)!;
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path.FullName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"org-dispatch: cannot read {path.FullName}: {e.Message}");
                return ExitCodes.UsageOrTransport;
            }
            string[] sequences = parse.GetValue(todo) ?? [];
            var options = sequences.Length == 0 ? OrgSyntaxOptions.Default : new OrgSyntaxOptions { TodoKeywords = TodoKeywordSet.Parse(sequences) };
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
