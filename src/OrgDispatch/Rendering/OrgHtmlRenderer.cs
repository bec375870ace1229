using System.Globalization;
using System.Net;
using System.Text;
using OrgDispatch.Syntax;
using OrgDispatch.Tree;

namespace OrgDispatch.Rendering;

/// <summary>
/// Writes an Org tree as the HTML body Emacs's <c>ox-html</c> writes with its default options
/// (<c>org-html-export-as-html</c> with body only): headlines as numbered outline containers, deeper
/// ones (past <c>H:3</c>) as list items, the same element and class names, footnotes at the end.
/// Not written, as in ox-html's defaults: the table of contents, planning lines, property drawers,
/// LOGBOOK drawers, comments, keywords, <c>COMMENT</c> and <c>:noexport:</c> subtrees.
/// </summary>
/// <remarks>Every method that writes one kind of node is virtual, and <see cref="OrgRenderer.Handlers"/>
/// replaces one without subclassing. Internal links go to a headline whose title or
/// <c>CUSTOM_ID</c> they name, or to a target; links nothing answers are written as their text in
/// <c>&lt;i&gt;</c> (ox-html stops with an error there). Macros are not expanded.</remarks>
/// <example>
/// <code>
/// string html = OrgHtmlRenderer.ToHtml(OrgTree.Parse(File.ReadAllBytes("notes.org")));
/// </code>
/// </example>
public class OrgHtmlRenderer : OrgRenderer
{
    private readonly List<int> _numbers = [];
    private readonly List<OrgFootnoteNode> _footnotes = [];
    private readonly Dictionary<string, int> _footnoteNumbers = new(StringComparer.Ordinal);
    private Dictionary<string, string>? _anchors;
    private Dictionary<string, OrgNode>? _definitions;
    private int _minimumLevel = 1;
    private bool _inVerse;

    /// <summary>Creates a renderer writing to <paramref name="writer"/>.</summary>
    /// <param name="writer">Where the HTML goes; the renderer does not dispose it.</param>
    public OrgHtmlRenderer(TextWriter writer) : base(writer)
    {
    }

    /// <summary>Headlines deeper than this (relative to the shallowest) are written as list items,
    /// as ox-html's <c>H:</c> option. Default 3; a document's <c>#+OPTIONS: H:n</c> wins.</summary>
    public int HeadlineLevels { get; init; } = 3;

    /// <summary>Whether headlines are numbered, as the <c>num:</c> option. Default true; a
    /// document's <c>#+OPTIONS: num:nil</c> wins.</summary>
    public bool NumberHeadlines { get; init; } = true;

    private int _headlineLevels = 3;
    private bool _numbered = true;
    private bool _scripts = true, _scriptsNeedBraces;

    /// <summary>The HTML body of a tree.</summary>
    /// <param name="tree">The tree.</param>
    public static string ToHtml(OrgTree tree)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        new OrgHtmlRenderer(writer).Render(tree);
        return writer.ToString();
    }

    /// <inheritdoc/>
    public override void Render(OrgTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        Prepare(tree);
        Render(tree.Root);
        WriteFootnotes();
    }

    /// <inheritdoc/>
    protected override void Write(OrgNode node)
    {
        switch (node)
        {
            case OrgHeadlineNode h: WriteHeadline(h); break;
            case OrgPlainListNode list: WritePlainList(list); break;
            case OrgItemNode item: WriteItem(item); break;
            case OrgBlockNode block: WriteBlock(block); break;
            case OrgDrawerNode drawer: WriteDrawer(drawer); break;
            case OrgLinkNode link: WriteLink(link); break;
            case OrgTimestampNode ts: WriteTimestamp(ts); break;
            case OrgFootnoteNode { Type: OrgNodeType.FootnoteReference } reference: WriteFootnoteReference(reference); break;
            default: WriteOther(node); break;
        }
    }

    /// <summary>A headline: an outline container with its heading and section, or a list item past
    /// <see cref="HeadlineLevels"/>; nothing for a <c>COMMENT</c> or <c>:noexport:</c> subtree.</summary>
    /// <param name="headline">The headline.</param>
    protected virtual void WriteHeadline(OrgHeadlineNode headline)
    {
        ArgumentNullException.ThrowIfNull(headline);
        if (!IsExported(headline)) return;
        int level = headline.Level - _minimumLevel + 1;
        bool numbered = _numbered && !IsUnnumbered(headline);
        if (numbered)
        {
            while (_numbers.Count > level) _numbers.RemoveAt(_numbers.Count - 1);
            while (_numbers.Count < level) _numbers.Add(0);
            _numbers[level - 1]++;
        }
        string number = string.Join('.', _numbers) + ".";
        string id = AnchorOf(headline);
        string textId = "text-" + (headline.GetProperty("CUSTOM_ID") ?? (numbered ? string.Join('-', _numbers) : id));
        OrgNode? section = headline.Children.FirstOrDefault(c => c.Type == OrgNodeType.Section);
        if (level > _headlineLevels)
        {
            // ox-html: deep headlines are items of an ordered list, consecutive siblings in one list.
            bool first = PreviousExportedSibling(headline) is not { } previous || previous.Level != headline.Level;
            bool last = NextExportedSibling(headline) is not { } next || next.Level != headline.Level;
            string list = numbered ? "ol" : "ul";
            if (first) Writer.Write($"<{list} class=\"org-{list}\">\n");
            Writer.Write($"<li><a id=\"{Attribute(id)}\"></a>");
            WriteHeading(headline);
            Writer.Write("<br />\n");
            WriteSectionAndChildren(headline, section, level, textId, deep: true);
            Writer.Write("</li>\n");
            if (last) Writer.Write($"</{list}>\n");
            return;
        }
        Writer.Write($"<div id=\"outline-container-{Attribute(id)}\" class=\"outline-{level + 1}\">\n");
        Writer.Write($"<h{level + 1} id=\"{Attribute(id)}\">");
        if (numbered) Writer.Write($"<span class=\"section-number-{level + 1}\">{number}</span> ");
        WriteHeading(headline);
        Writer.Write($"</h{level + 1}>\n");
        WriteSectionAndChildren(headline, section, level, textId, deep: false);
        Writer.Write("</div>\n");
    }

    private void WriteSectionAndChildren(OrgHeadlineNode headline, OrgNode? section, int level, string textId, bool deep)
    {
        // ox-html writes the text container of an outline also when it has sub-headlines but no text.
        if (section is not null || (!deep && headline.Children.Any(c => c.Type == OrgNodeType.Headline)))
        {
            Writer.Write($"<div class=\"outline-text-{level + 1}\" id=\"{Attribute(textId)}\">\n");
            if (section is not null) RenderChildren(section);
            Writer.Write("</div>\n");
        }
        foreach (OrgNode child in headline.Children)
        {
            if (child.Type != OrgNodeType.Section) Render(child);
        }
    }

    /// <summary>A headline's keyword, title and tags, as its heading shows them.</summary>
    /// <param name="headline">The headline.</param>
    protected virtual void WriteHeading(OrgHeadlineNode headline)
    {
        ArgumentNullException.ThrowIfNull(headline);
        if (headline.TodoKeyword is { } keyword)
        {
            string kind = headline.Tree.Options.TodoKeywords.IsDone(keyword) ? "done" : "todo";
            Writer.Write($"<span class=\"{kind} {Attribute(keyword)}\">{Escape(keyword)}</span> ");
        }
        Render(headline.Title);
        if (headline.Tags.Count > 0)
        {
            Writer.Write("&#xa0;&#xa0;&#xa0;<span class=\"tag\">");
            Writer.Write(string.Join("&#xa0;", headline.Tags.Select(t => $"<span class=\"{Attribute(t)}\">{Escape(t)}</span>")));
            Writer.Write("</span>");
        }
    }

    /// <summary>A plain list: <c>ul</c>, <c>ol</c> or <c>dl</c>.</summary>
    /// <param name="list">The list.</param>
    protected virtual void WritePlainList(OrgPlainListNode list)
    {
        ArgumentNullException.ThrowIfNull(list);
        string tag = ListTag(list);
        Writer.Write($"<{tag} class=\"org-{tag}\">\n");
        RenderChildren(list);
        Writer.Write($"</{tag}>\n");
    }

    /// <summary>A list item, with its checkbox, counter or term.</summary>
    /// <param name="item">The item.</param>
    protected virtual void WriteItem(OrgItemNode item)
    {
        ArgumentNullException.ThrowIfNull(item);
        string checkbox = item.Checkbox switch
        {
            OrgCheckbox.On => "<code>[X]</code> ",
            OrgCheckbox.Off => "<code>[&#xa0;]</code> ",
            OrgCheckbox.Partial => "<code>[-]</code> ",
            _ => "",
        };
        if (item.Parent is OrgPlainListNode { ListType: OrgListType.Descriptive })
        {
            Writer.Write("<dt>");
            if (item.HasTag) Render(item.Tag);
            else Writer.Write("(no term)");
            Writer.Write($"</dt><dd>{checkbox}");
            RenderChildren(item);
            Writer.Write("</dd>\n");
            return;
        }
        Writer.Write(item.Counter is int counter ? $"<li value=\"{counter}\">" : "<li>");
        Writer.Write(checkbox);
        RenderChildren(item);
        Writer.Write("</li>\n");
    }

    /// <summary>A block: src, example, quote, center, verse, special and export blocks.</summary>
    /// <param name="block">The block.</param>
    protected virtual void WriteBlock(OrgBlockNode block)
    {
        ArgumentNullException.ThrowIfNull(block);
        switch (block.Type)
        {
            case OrgNodeType.SrcBlock:
                string language = block.Language is { } l ? $" src-{Attribute(l)}" : "";
                Writer.Write($"<div class=\"org-src-container\">\n<pre class=\"src{language}\"{IdOf(block)}>{Escape(block.Value)}</pre>\n</div>\n");
                break;
            case OrgNodeType.ExampleBlock:
                Writer.Write($"<pre class=\"example\"{IdOf(block)}>\n{Escape(block.Value)}</pre>\n");
                break;
            case OrgNodeType.ExportBlock:
                if (string.Equals(block.Arguments?.Split(' ', '\t')[0], "html", StringComparison.OrdinalIgnoreCase)) Writer.Write(block.Value);
                break;
            case OrgNodeType.QuoteBlock:
                Wrap(block, "<blockquote>\n", "</blockquote>\n");
                break;
            case OrgNodeType.CenterBlock:
                Wrap(block, "<div class=\"org-center\">\n", "</div>\n");
                break;
            case OrgNodeType.VerseBlock:
                Writer.Write("<p class=\"verse\">\n");
                _inVerse = true;
                RenderChildren(block);
                _inVerse = false;
                Writer.Write("</p>\n");
                break;
            case OrgNodeType.SpecialBlock:
                Wrap(block, $"<div class=\"{Attribute(block.Name)}\">\n", "</div>\n");
                break;
            case OrgNodeType.DynamicBlock:
                RenderChildren(block);
                break;
        }
    }

    /// <summary>A drawer: its contents, unless it is the LOGBOOK.</summary>
    /// <param name="drawer">The drawer.</param>
    protected virtual void WriteDrawer(OrgDrawerNode drawer)
    {
        ArgumentNullException.ThrowIfNull(drawer);
        if (!string.Equals(drawer.Name, "LOGBOOK", StringComparison.OrdinalIgnoreCase)) RenderChildren(drawer);
    }

    /// <summary>A link: an anchor, or an image for a file link to a picture without description.</summary>
    /// <param name="link">The link.</param>
    protected virtual void WriteLink(OrgLinkNode link)
    {
        ArgumentNullException.ThrowIfNull(link);
        string? href = link.LinkType switch
        {
            "fuzzy" or "custom-id" or "radio" => Resolve(link) is { } anchor ? "#" + anchor : null,
            "file" => link.Path.EndsWith(".org", StringComparison.OrdinalIgnoreCase) ? link.Path[..^4] + ".html" : link.Path,
            "coderef" => null,
            _ => link.RawLink,
        };
        bool hasDescription = link.Children.Count > 0 && link.LinkType != "radio";
        if (href is not null && link.LinkType == "file" && !hasDescription && IsImage(link.Path))
        {
            Writer.Write($"<img src=\"{Attribute(href)}\" alt=\"{Attribute(Path.GetFileName(link.Path))}\" />");
            return;
        }
        if (href is null)
        {
            Writer.Write("<i>");
            if (link.Children.Count > 0) RenderChildren(link);
            else Writer.Write(Escape(link.RawLink));
            Writer.Write("</i>");
        }
        else
        {
            Writer.Write($"<a href=\"{Attribute(href)}\">");
            if (link.Children.Count > 0) RenderChildren(link);
            else Writer.Write(Escape(link.LinkType == "file" ? link.Path : link.RawLink));
            Writer.Write("</a>");
        }
    }

    /// <summary>A timestamp, in ox-html's wrapper.</summary>
    /// <param name="timestamp">The timestamp.</param>
    protected virtual void WriteTimestamp(OrgTimestampNode timestamp)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        Writer.Write($"<span class=\"timestamp-wrapper\"><span class=\"timestamp\">{Escape(timestamp.RawValue)}</span></span>");
    }

    /// <summary>A footnote reference: its number, linked to the definition written at the end.</summary>
    /// <param name="reference">The reference.</param>
    protected virtual void WriteFootnoteReference(OrgFootnoteNode reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        string key = reference.Label ?? "anonymous:" + reference.Begin.ToString(CultureInfo.InvariantCulture);
        if (!_footnoteNumbers.TryGetValue(key, out int n))
        {
            n = _footnoteNumbers.Count + 1;
            _footnoteNumbers[key] = n;
            OrgNode? definition = reference.HasContents ? reference
                : _definitions is not null && reference.Label is { } label && _definitions.TryGetValue(label, out OrgNode? d) ? d : null;
            if (definition is OrgFootnoteNode f) _footnotes.Add(f);
        }
        Writer.Write($"<sup><a id=\"fnr.{n}\" class=\"footref\" href=\"#fn.{n}\" role=\"doc-backlink\">{n}</a></sup>");
    }

    /// <summary>Every other element and object.</summary>
    /// <param name="node">The node.</param>
    protected virtual void WriteOther(OrgNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        switch (node.Type)
        {
            case OrgNodeType.Document or OrgNodeType.Section or OrgNodeType.DynamicBlock:
                RenderChildren(node);
                break;
            case OrgNodeType.Paragraph:
                WriteParagraph(node);
                break;
            case OrgNodeType.Table:
                WriteTable(node);
                break;
            case OrgNodeType.FixedWidth:
                Writer.Write($"<pre class=\"example\">\n{Escape(FixedWidthText(node))}</pre>\n");
                break;
            case OrgNodeType.HorizontalRule:
                Writer.Write("<hr />\n");
                break;
            case OrgNodeType.PlainText:
                string text = SpecialStrings(Escape(node.GetText()));
                Writer.Write(_inVerse ? text.Replace("\n", "<br />\n", StringComparison.Ordinal) : text);
                break;
            case OrgNodeType.Bold: Wrap(node, "<b>", "</b>"); break;
            case OrgNodeType.Italic: Wrap(node, "<i>", "</i>"); break;
            case OrgNodeType.Underline: Wrap(node, "<span class=\"underline\">", "</span>"); break;
            case OrgNodeType.StrikeThrough: Wrap(node, "<del>", "</del>"); break;
            case OrgNodeType.Subscript or OrgNodeType.Superscript when !_scripts || (_scriptsNeedBraces && !IsBraced(node)):
                // ^:nil writes the script as text; ^:{} only when it is braced.
                Writer.Write(SpecialStrings(Escape(node.GetText())));
                break;
            case OrgNodeType.Subscript: Wrap(node, "<sub>", "</sub>"); break;
            case OrgNodeType.Superscript: Wrap(node, "<sup>", "</sup>"); break;
            case OrgNodeType.Code or OrgNodeType.Verbatim:
                Writer.Write($"<code>{Escape(((OrgVerbatimNode)node).Value)}</code>");
                break;
            case OrgNodeType.InlineSrcBlock:
                var code = (OrgInlineCodeNode)node;
                Writer.Write($"<code class=\"src src-{Attribute(code.Name)}\">{Escape(code.Value)}</code>");
                break;
            case OrgNodeType.LineBreak:
                Writer.Write("<br />\n");
                break;
            case OrgNodeType.Entity:
                Writer.Write(EntityHtml(((OrgValueNode)node).Value));
                break;
            case OrgNodeType.ExportSnippet:
                var snippet = (OrgValueNode)node;
                if (string.Equals(snippet.Key, "html", StringComparison.OrdinalIgnoreCase)) Writer.Write(snippet.Value);
                break;
            case OrgNodeType.Target:
                Writer.Write($"<a id=\"{Attribute(TargetAnchor(((OrgValueNode)node).Value))}\"></a>");
                break;
            case OrgNodeType.RadioTarget:
                Wrap(node, $"<a id=\"{Attribute(TargetAnchor(((OrgValueNode)node).Value))}\">", "</a>");
                break;
            case OrgNodeType.StatisticsCookie or OrgNodeType.LatexFragment or OrgNodeType.Macro or OrgNodeType.Citation:
                Writer.Write(Escape(node.GetText()));
                break;
            // Not exported: keywords, planning, property drawers, clocks, comments, babel calls,
            // diary sexps, footnote definitions (written at the end), inline babel calls.
        }
    }

    /// <summary>A paragraph: <c>&lt;p&gt;</c>, except the first one of a list item.</summary>
    /// <param name="paragraph">The paragraph.</param>
    protected virtual void WriteParagraph(OrgNode paragraph)
    {
        ArgumentNullException.ThrowIfNull(paragraph);
        // ox-html: the first paragraph of an item has no <p> when it is alone or followed only by a list.
        if (paragraph.Parent is OrgItemNode item && item.Children[0] == paragraph
            && (item.Children.Count == 1 || (item.Children.Count == 2 && item.Children[1].Type == OrgNodeType.PlainList)))
        {
            RenderChildren(paragraph);
            return;
        }
        if (IsStandaloneImage(paragraph))
        {
            Writer.Write("<div class=\"figure\">\n<p>");
            RenderChildren(paragraph);
            Writer.Write("\n</p>\n</div>\n");
            return;
        }
        Writer.Write(paragraph.Parent is OrgFootnoteNode ? "<p class=\"footpara\">\n" : $"<p{IdOf(paragraph)}>\n");
        RenderChildren(paragraph);
        Writer.Write("</p>\n");
    }

    // A paragraph holding one image link and blanks: ox-html writes it as a figure.
    private static bool IsStandaloneImage(OrgNode paragraph)
    {
        int links = 0;
        foreach (OrgNode o in paragraph.Children)
        {
            if (o is OrgLinkNode { LinkType: "file" } link && link.Children.Count == 0 && IsImage(link.Path)) links++;
            else if (o.Type != OrgNodeType.PlainText || !string.IsNullOrWhiteSpace(o.GetText())) return false;
        }
        return links == 1;
    }

    private static bool IsBraced(OrgNode script)
    {
        ReadOnlySpan<byte> t = script.Tree.Source.Span;
        int marker = script.ContentsBegin - 1;
        return marker >= 0 && t[marker] == '{';
    }

    /// <summary>A table: column groups, a head when a rule follows the first rows, a body per group of rows.</summary>
    /// <param name="table">The table.</param>
    protected virtual void WriteTable(OrgNode table)
    {
        ArgumentNullException.ThrowIfNull(table);
        // Rows between rules form groups; the first group is the head when another follows it.
        var groups = new List<List<OrgNode>> { new() };
        foreach (OrgNode row in table.Children)
        {
            if (!row.HasContents)
            {
                if (groups[^1].Count > 0) groups.Add([]);
                continue;
            }
            groups[^1].Add(row);
        }
        if (groups[^1].Count == 0) groups.RemoveAt(groups.Count - 1);
        int columns = table.Children.Where(r => r.HasContents).Select(r => r.Children.Count).DefaultIfEmpty(0).Max();
        string[] alignment = ColumnAlignment(table, columns);
        Writer.Write($"<table{IdOf(table)} border=\"2\" cellspacing=\"0\" cellpadding=\"6\" rules=\"groups\" frame=\"hsides\">\n\n\n<colgroup>\n");
        Writer.Write(string.Join("\n", alignment.Select(a => $"<col  class=\"org-{a}\" />\n")));
        Writer.Write("</colgroup>\n");
        bool hasHead = groups.Count > 1;
        for (int g = 0; g < groups.Count; g++)
        {
            bool head = hasHead && g == 0;
            Writer.Write(head ? "<thead>\n" : "<tbody>\n");
            foreach (OrgNode row in groups[g])
            {
                Writer.Write("<tr>\n");
                for (int c = 0; c < columns; c++)
                {
                    string cellTag = head ? "th" : "td";
                    string scope = head ? " scope=\"col\"" : "";
                    Writer.Write($"<{cellTag}{scope} class=\"org-{alignment[c]}\">");
                    if (c < row.Children.Count) RenderChildren(row.Children[c]);
                    else Writer.Write("&#xa0;");
                    Writer.Write($"</{cellTag}>\n");
                }
                Writer.Write("</tr>\n");
            }
            Writer.Write(head ? "</thead>\n" : "</tbody>\n");
        }
        Writer.Write("</table>\n");
    }

    // ---- Footnotes -----------------------------------------------------------------------------

    private void WriteFootnotes()
    {
        if (_footnotes.Count == 0) return;
        Writer.Write("<div id=\"footnotes\">\n<h2 class=\"footnotes\">Footnotes: </h2>\n<div id=\"text-footnotes\">\n");
        for (int i = 0; i < _footnotes.Count; i++)
        {
            OrgFootnoteNode f = _footnotes[i];
            int n = i + 1;
            Writer.Write($"\n<div class=\"footdef\"><sup><a id=\"fn.{n}\" class=\"footnum\" href=\"#fnr.{n}\" role=\"doc-backlink\">{n}</a></sup> <div class=\"footpara\" role=\"doc-footnote\">");
            if (f.Type == OrgNodeType.FootnoteReference)
            {
                Writer.Write("<p class=\"footpara\">");
                RenderChildren(f);
                Writer.Write("</p>");
            }
            else RenderChildren(f);
            Writer.Write("</div></div>\n");
        }
        Writer.Write("\n\n</div>\n</div>\n");
    }

    // ---- Helpers --------------------------------------------------------------------------------

    private void Prepare(OrgTree tree)
    {
        _numbers.Clear();
        _footnotes.Clear();
        _footnoteNumbers.Clear();
        _anchors = new Dictionary<string, string>(StringComparer.Ordinal);
        _definitions = new Dictionary<string, OrgNode>(StringComparer.Ordinal);
        int minimum = int.MaxValue;
        var numbers = new List<int>();
        foreach (OrgNode node in ElementsOf(tree.Root))
        {
            switch (node)
            {
                case OrgHeadlineNode h:
                    minimum = Math.Min(minimum, h.Level);
                    string anchor = AnchorOf(h);
                    _anchors.TryAdd("*" + h.RawValue, anchor);
                    if (h.GetProperty("CUSTOM_ID") is { } custom) _anchors.TryAdd("#" + custom, anchor);
                    break;
                case OrgFootnoteNode { Type: OrgNodeType.FootnoteDefinition, Label: { } label } definition:
                    _definitions.TryAdd(label, definition);
                    break;
            }
            if (node.GetAffiliated("NAME") is { } name) _anchors.TryAdd("<<" + name, "name-" + Uri.EscapeDataString(name));
            if (node.HoldsObjects && node.Span.IndexOf("<<"u8) >= 0)
            {
                foreach (OrgNode o in node.Descendants())
                {
                    if (o is OrgValueNode { Type: OrgNodeType.Target or OrgNodeType.RadioTarget } target)
                    {
                        _anchors.TryAdd(o.Type == OrgNodeType.RadioTarget ? "<<" + target.Value.ToUpperInvariant() : "<<" + target.Value, TargetAnchor(target.Value));
                    }
                }
            }
        }
        _minimumLevel = minimum == int.MaxValue ? 1 : minimum;
        ReadOptions(tree);
    }

    // The #+OPTIONS items this renderer follows: H:n, num:nil, ^:nil and ^:{}.
    private void ReadOptions(OrgTree tree)
    {
        (_headlineLevels, _numbered, _scripts, _scriptsNeedBraces) = (HeadlineLevels, NumberHeadlines, true, false);
        if (tree.Root.Children.Count == 0 || tree.Root.Children[0] is not { Type: OrgNodeType.Section } preamble) return;
        foreach (OrgNode element in preamble.Children)
        {
            if (element is not OrgValueNode { Type: OrgNodeType.Keyword } keyword || !string.Equals(keyword.Key, "OPTIONS", StringComparison.OrdinalIgnoreCase)) continue;
            foreach (string item in keyword.Value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            {
                int colon = item.IndexOf(':', 1);
                if (colon < 0) continue;
                string key = item[..colon], value = item[(colon + 1)..];
                switch (key)
                {
                    case "H" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int h):
                        _headlineLevels = h;
                        break;
                    case "num":
                        _numbered = value != "nil";
                        break;
                    case "^":
                        (_scripts, _scriptsNeedBraces) = (value != "nil", value == "{}");
                        break;
                }
            }
        }
    }

    // Every element of the tree, without parsing any object.
    private static IEnumerable<OrgNode> ElementsOf(OrgNode node)
    {
        var stack = new Stack<OrgNode>();
        stack.Push(node);
        while (stack.Count > 0)
        {
            OrgNode n = stack.Pop();
            yield return n;
            if (n.Type is OrgNodeType.Paragraph or OrgNodeType.VerseBlock or OrgNodeType.Table) continue;
            for (int i = n.Children.Count - 1; i >= 0; i--) stack.Push(n.Children[i]);
        }
    }

    // Not exported: COMMENT and :noexport: subtrees, and the footnote section (org-footnote-section).
    private static bool IsExported(OrgHeadlineNode h)
    {
        for (OrgNode? n = h; n is not null; n = n.Parent)
        {
            if (n is OrgHeadlineNode x && (x.IsCommented || x.Tags.Contains("noexport") || x.RawValue == "Footnotes")) return false;
        }
        return true;
    }

    // An UNNUMBERED property (other than "nil") on the headline or above it.
    private static bool IsUnnumbered(OrgHeadlineNode h)
    {
        for (OrgNode? n = h; n is not null; n = n.Parent)
        {
            if (n is OrgHeadlineNode x && x.GetProperty("UNNUMBERED") is { } value && value != "nil") return true;
        }
        return false;
    }

    private static OrgHeadlineNode? PreviousExportedSibling(OrgHeadlineNode h)
    {
        if (h.Parent is null) return null;
        IReadOnlyList<OrgNode> siblings = h.Parent.Children;
        for (int i = IndexOf(siblings, h) - 1; i >= 0; i--)
        {
            if (siblings[i] is OrgHeadlineNode s && IsExported(s)) return s;
        }
        return null;
    }

    private static OrgHeadlineNode? NextExportedSibling(OrgHeadlineNode h)
    {
        if (h.Parent is null) return null;
        IReadOnlyList<OrgNode> siblings = h.Parent.Children;
        for (int i = IndexOf(siblings, h) + 1; i < siblings.Count; i++)
        {
            if (siblings[i] is OrgHeadlineNode s && IsExported(s)) return s;
        }
        return null;
    }

    private static int IndexOf(IReadOnlyList<OrgNode> list, OrgNode node)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] == node) return i;
        }
        return -1;
    }

    private static string AnchorOf(OrgHeadlineNode h) =>
        h.GetProperty("CUSTOM_ID") ?? "org" + ((uint)h.Begin).ToString("x7", CultureInfo.InvariantCulture);

    // Org's search for an internal link: "#id" a CUSTOM_ID, "*title" a headline, a radio link its
    // target; any other text a target or a #+NAME, else a headline with that title.
    private string? Resolve(OrgLinkNode link)
    {
        if (_anchors is null) return null;
        string[] keys = link.LinkType switch
        {
            "custom-id" => ["#" + link.Path],
            "radio" => ["<<" + link.Path.ToUpperInvariant()],
            _ when link.Path.StartsWith('*') => ["*" + link.Path[1..]],
            _ => ["<<" + link.Path, "*" + link.Path],
        };
        foreach (string key in keys)
        {
            if (_anchors.TryGetValue(key, out string? anchor)) return anchor;
        }
        return null;
    }

    private static string TargetAnchor(string target) => "target-" + Uri.EscapeDataString(target);

    // The id an element named with #+NAME gets, which fuzzy links to that name point to.
    private static string IdOf(OrgNode element) =>
        element.GetAffiliated("NAME") is { } name ? $" id=\"name-{Attribute(Uri.EscapeDataString(name))}\"" : "";

    private static string ListTag(OrgPlainListNode list) => list.ListType switch
    {
        OrgListType.Ordered => "ol",
        OrgListType.Descriptive => "dl",
        _ => "ul",
    };

    private void Wrap(OrgNode node, string open, string close)
    {
        Writer.Write(open);
        RenderChildren(node);
        Writer.Write(close);
    }

    private static string FixedWidthText(OrgNode node)
    {
        var sb = new StringBuilder();
        foreach (string line in node.GetText().TrimEnd('\n').Split('\n'))
        {
            string trimmed = line.TrimStart(' ', '\t');
            sb.Append(trimmed.Length > 1 ? trimmed[2..] : "").Append('\n');
        }
        return sb.ToString();
    }

    private static bool IsImage(string path) =>
        path.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".gif", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".webp", StringComparison.OrdinalIgnoreCase);

    // org-export-table-cell-alignment: right when at least half the column's non-empty cells are numbers.
    private static string[] ColumnAlignment(OrgNode table, int columns)
    {
        string[] result = new string[columns];
        for (int c = 0; c < columns; c++)
        {
            int numbers = 0, filled = 0;
            foreach (OrgNode row in table.Children)
            {
                if (!row.HasContents || c >= row.Children.Count) continue;
                OrgNode cell = row.Children[c];
                if (!cell.HasContents || cell.ContentsEnd == cell.ContentsBegin) continue;
                string text = TextRange.FromBounds(cell.ContentsBegin, cell.ContentsEnd).GetString(cell.Tree.Source.Span);
                filled++;
                if (IsNumber(text)) numbers++;
            }
            result[c] = filled > 0 && numbers * 2 >= filled ? "right" : "left";
        }
        return result;
    }

    // Close to org-table-number-regexp: an optional sign, digits with separators, an exponent or a unit.
    private static bool IsNumber(string s)
    {
        int i = 0;
        if (i < s.Length && s[i] is '<' or '>') i++;
        if (i < s.Length && s[i] is '+' or '-') i++;
        bool digits = false;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] is '.' or ',' or ':' or '%'))
        {
            digits |= char.IsAsciiDigit(s[i]);
            i++;
        }
        if (digits && i < s.Length && s[i] is 'e' or 'E' or 'd' or 'D')
        {
            i++;
            if (i < s.Length && s[i] is '+' or '-') i++;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        }
        return digits && i == s.Length;
    }

    private static string EntityHtml(string name)
    {
        if (name.StartsWith('_')) return string.Concat(Enumerable.Repeat("&#xa0;", name.Length - 1));
        string html = "&" + name + ";";
        return WebUtility.HtmlDecode(html) != html ? html : Escape("\\" + name);
    }

    // org-export-with-special-strings: "\-", "---", "--" and "..." (on escaped text).
    private static string SpecialStrings(string text) => text
        .Replace("\\-", "&shy;", StringComparison.Ordinal)
        .Replace("---", "&#x2014;", StringComparison.Ordinal)
        .Replace("--", "&#x2013;", StringComparison.Ordinal)
        .Replace("...", "&#x2026;", StringComparison.Ordinal);

    /// <summary>Escapes text for an attribute value: <c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c> and <c>"</c>.</summary>
    /// <param name="text">The text.</param>
    protected static string Attribute(string text) => Escape(text).Replace("\"", "&quot;", StringComparison.Ordinal);

    /// <summary>Escapes <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> as ox-html does.</summary>
    /// <param name="text">The text.</param>
    protected static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
    }
}
