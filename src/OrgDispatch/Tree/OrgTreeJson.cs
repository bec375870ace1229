using System.Text.Json;
using OrgDispatch.Syntax;

namespace OrgDispatch.Tree;

/// <summary>
/// Writes an <see cref="OrgTree"/> as JSON, one object per node:
/// <c>{"type", "begin", "end", "contents_begin", "contents_end", "post_blank", "properties", "children"}</c>,
/// with types named and positions counted as Emacs's <c>org-element</c> names and counts them
/// (see <see cref="EmacsPositions"/>), and the properties <c>org-element</c> gives each type.
/// Plain text is <c>{"type": "plain-text", "begin", "end", "value"}</c>.
/// </summary>
public static class OrgTreeJson
{
    /// <summary>Writes the whole tree, objects included.</summary>
    /// <param name="tree">The tree.</param>
    /// <param name="writer">Where to write.</param>
    public static void Write(OrgTree tree, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(writer);
        var positions = new EmacsPositions(tree.Source.Span);
        WriteNode(tree.Root, writer, positions);
    }

    /// <summary>The whole tree as a JSON string.</summary>
    /// <param name="tree">The tree.</param>
    /// <param name="indented">Whether to indent the output.</param>
    public static string ToJson(OrgTree tree, bool indented = false)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented, SkipValidation = true }))
        {
            Write(tree, writer);
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteNode(OrgNode node, Utf8JsonWriter w, EmacsPositions at)
    {
        w.WriteStartObject();
        w.WriteString("type", node.Type.ToOrgElementName());
        w.WriteNumber("begin", at[node.Begin]);
        w.WriteNumber("end", at[node.End]);
        if (node.Type == OrgNodeType.PlainText)
        {
            w.WriteString("value", node.GetText());
            w.WriteEndObject();
            return;
        }
        WritePosition(w, "contents_begin", node.ContentsBegin, at);
        WritePosition(w, "contents_end", node.ContentsEnd, at);
        w.WriteNumber("post_blank", node.PostBlank);
        w.WriteStartObject("properties");
        WriteProperties(node, w, at);
        w.WriteEndObject();
        w.WriteStartArray("children");
        foreach (OrgNode child in node.Children) WriteNode(child, w, at);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WritePosition(Utf8JsonWriter w, string name, int offset, EmacsPositions at)
    {
        if (offset < 0) w.WriteNull(name);
        else w.WriteNumber(name, at[offset]);
    }

    private static void WriteProperties(OrgNode node, Utf8JsonWriter w, EmacsPositions at)
    {
        switch (node)
        {
            case OrgHeadlineNode h:
                w.WriteString("raw-value", h.RawValue);
                w.WriteNumber("level", h.Level);
                WriteNullable(w, "todo-keyword", h.TodoKeyword);
                WriteNullable(w, "priority", h.Priority);
                w.WriteStartArray("tags");
                foreach (string tag in h.Tags) w.WriteStringValue(tag);
                w.WriteEndArray();
                WriteObjects(w, "title", h.Title, at);
                break;
            case OrgValueNode { Type: OrgNodeType.Keyword or OrgNodeType.NodeProperty } v:
                WriteNullable(w, "key", v.Type == OrgNodeType.Keyword ? v.Key?.ToUpperInvariant() : v.Key);
                w.WriteString("value", v.Value);
                break;
            case OrgBlockNode { Type: OrgNodeType.SrcBlock } src:
                WriteNullable(w, "language", src.Language);
                WriteNullable(w, "parameters", src.Parameters);
                w.WriteString("value", src.Value);
                break;
            case OrgBlockNode { Type: OrgNodeType.SpecialBlock or OrgNodeType.ExportBlock } b:
                WriteNullable(w, "type", b.Type == OrgNodeType.ExportBlock ? b.Arguments?.Split(' ', '\t')[0].ToUpperInvariant() : b.Name);
                break;
            case OrgDrawerNode d:
                w.WriteString("drawer-name", d.Name);
                break;
            case OrgPlainListNode list:
                w.WriteString("type", list.ListType switch { OrgListType.Ordered => "ordered", OrgListType.Descriptive => "descriptive", _ => "unordered" });
                break;
            case OrgItemNode item:
                w.WriteString("bullet", item.Bullet);
                WriteNullable(w, "checkbox", item.Checkbox switch { OrgCheckbox.On => "on", OrgCheckbox.Off => "off", OrgCheckbox.Partial => "trans", _ => null });
                if (item.Counter is int counter) w.WriteNumber("counter", counter);
                else w.WriteNull("counter");
                if (item.HasTag) WriteObjects(w, "tag", item.Tag, at);
                else w.WriteNull("tag");
                break;
            case OrgFootnoteNode f:
                WriteNullable(w, "label", f.Label);
                if (f.Type == OrgNodeType.FootnoteReference) w.WriteString("type", f.HasContents ? "inline" : "standard");
                break;
            case OrgVerbatimNode v:
                w.WriteString("value", v.Value);
                break;
            case OrgValueNode { Type: OrgNodeType.StatisticsCookie or OrgNodeType.LatexFragment or OrgNodeType.Target } v:
                w.WriteString("value", v.Value);
                break;
            case OrgValueNode { Type: OrgNodeType.Entity } v:
                w.WriteString("name", v.Key);
                break;
            case OrgValueNode { Type: OrgNodeType.Macro } v:
                WriteNullable(w, "key", v.Key?.ToLowerInvariant());
                break;
            case OrgValueNode { Type: OrgNodeType.ExportSnippet } v:
                WriteNullable(w, "back-end", v.Key);
                w.WriteString("value", v.Value);
                break;
            case OrgInlineCodeNode { Type: OrgNodeType.InlineSrcBlock } src:
                w.WriteString("language", src.Name);
                w.WriteString("value", src.Value);
                break;
            case OrgLinkNode link:
                w.WriteString("type", link.LinkType);
                w.WriteString("path", link.Path);
                w.WriteString("raw-link", link.RawLink);
                break;
            case OrgTimestampNode ts:
                WriteTimestamp(w, ts);
                break;
            case OrgCitationNode { Type: OrgNodeType.Citation } cite:
                WriteNullable(w, "style", cite.Style);
                break;
            case OrgCitationNode reference:
                WriteNullable(w, "key", reference.Key);
                break;
        }
    }

    private static void WriteTimestamp(Utf8JsonWriter w, OrgTimestampNode ts)
    {
        w.WriteString("type", ts.Kind switch
        {
            OrgTimestampKind.Active => "active",
            OrgTimestampKind.Inactive => "inactive",
            OrgTimestampKind.ActiveRange => "active-range",
            OrgTimestampKind.InactiveRange => "inactive-range",
            _ => "diary",
        });
        w.WriteString("raw-value", ts.RawValue);
        WriteDate(w, "start", ts.Start);
        WriteDate(w, "end", ts.EndDate);
    }

    private static void WriteDate(Utf8JsonWriter w, string suffix, OrgTimestampDate? date)
    {
        WriteNumber(w, "year-" + suffix, date?.Year);
        WriteNumber(w, "month-" + suffix, date?.Month);
        WriteNumber(w, "day-" + suffix, date?.Day);
        WriteNumber(w, "hour-" + suffix, date?.Hour);
        WriteNumber(w, "minute-" + suffix, date?.Minute);
    }

    private static void WriteObjects(Utf8JsonWriter w, string name, IReadOnlyList<OrgNode> objects, EmacsPositions at)
    {
        w.WriteStartArray(name);
        foreach (OrgNode o in objects) WriteNode(o, w, at);
        w.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }

    private static void WriteNumber(Utf8JsonWriter w, string name, int? value)
    {
        if (value is int v) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }
}
