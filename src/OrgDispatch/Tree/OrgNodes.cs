using OrgDispatch.Syntax;

namespace OrgDispatch.Tree;

// The nodes that carry typed properties. Strings are decoded from the source on access, so a tree
// holds ranges, not copies of the text.

/// <summary>A headline: level, TODO keyword, priority, title (as objects) and tags.</summary>
public sealed class OrgHeadlineNode : OrgNode
{
    private readonly TextRange _todo, _priority, _title, _tags;
    private OrgNode[]? _titleObjects;

    internal OrgHeadlineNode(OrgTree tree, int begin, int end, OrgToken token, int level)
        : base(tree, OrgNodeType.Headline, begin, end)
    {
        Stars = token.Stars;
        Level = level;
        IsCommented = token.IsCommented;
        _todo = token.TodoKeyword;
        _priority = token.Priority;
        _title = token.Title;
        _tags = token.Tags;
    }

    /// <summary>The number of stars.</summary>
    public int Stars { get; }

    /// <summary>The level (stars, or <c>1 + stars / 2</c> under <c>#+STARTUP: odd</c>).</summary>
    public int Level { get; }

    /// <summary>Whether the title starts with <c>COMMENT</c>.</summary>
    public bool IsCommented { get; }

    /// <summary>The TODO keyword, or <c>null</c>.</summary>
    public string? TodoKeyword => _todo.IsPresent ? _todo.GetString(Tree.Source.Span) : null;

    /// <summary>The priority inside <c>[#…]</c> (one character, such as <c>A</c>), or <c>null</c>.</summary>
    public string? Priority => _priority.IsPresent ? _priority.GetString(Tree.Source.Span) : null;

    /// <summary>The title as written, without keyword, priority, COMMENT and tags (org-element's <c>:raw-value</c>).</summary>
    public string RawValue => _title.GetString(Tree.Source.Span);

    /// <summary>The title's source range.</summary>
    public TextRange TitleRange => _title;

    /// <summary>The tags, in order, without colons.</summary>
    public IReadOnlyList<string> Tags
    {
        get
        {
            if (!_tags.IsPresent) return [];
            string group = _tags.GetString(Tree.Source.Span);
            return group.Length <= 2 ? [] : group[1..^1].Split(':');
        }
    }

    /// <summary>The title parsed into objects.</summary>
    public IReadOnlyList<OrgNode> Title => SecondaryString(ref _titleObjects, static node => ((OrgHeadlineNode)node).ParseTitle());

    private OrgNode[] ParseTitle() => _title.Length > 0
        ? OrgObjectParser.Parse(Tree, _title.Start, _title.End, OrgObjectParser.RestrictionFor(OrgNodeType.Headline))
        : EmptyTitle();

    // org-element trims the title's region from both ends independently: when blanks stand where
    // the title would be, the trimmed ends cross and its title is one empty string, ("");
    // otherwise (as in "* COMMENT" or "* [#A]") it has none.
    private OrgNode[] EmptyTitle()
    {
        ReadOnlySpan<byte> t = Tree.Source.Span;
        bool blank = true; // with no keyword, cookie or COMMENT the title starts at the blank after the stars
        if (_todo.IsPresent || _priority.IsPresent || IsCommented)
        {
            int x = SkipBlanks(t, Begin + Stars);
            if (_todo.IsPresent) x = SkipBlanks(t, _todo.End + 1);
            if (_priority.IsPresent) x = SkipBlanks(t, _priority.End + 1);
            if (IsCommented) x += "COMMENT".Length;
            blank = IsBlank(t, x - 1) || IsBlank(t, x);
        }
        int at = _title.IsPresent ? _title.Start : Begin;
        return blank ? [new OrgNode(Tree, OrgNodeType.PlainText, at, at)] : [];

        static bool IsBlank(ReadOnlySpan<byte> t, int i) => i < t.Length && t[i] is (byte)' ' or (byte)'\t';
        static int SkipBlanks(ReadOnlySpan<byte> t, int i)
        {
            while (IsBlank(t, i)) i++;
            return i;
        }
    }

    /// <inheritdoc/>
    protected internal override IReadOnlyList<OrgNode> SecondaryObjects => Title;

    /// <summary>The value of a property in the headline's property drawer (the key compared without
    /// case), or <c>null</c>.</summary>
    /// <param name="name">The property, such as <c>ID</c> or <c>CUSTOM_ID</c>.</param>
    public string? GetProperty(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Children.Count == 0 || Children[0].Type != OrgNodeType.Section) return null;
        foreach (OrgNode element in Children[0].Children)
        {
            if (element.Type != OrgNodeType.PropertyDrawer) continue;
            foreach (OrgNode property in element.Children)
            {
                if (property is OrgValueNode p && string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)) return p.Value;
            }
            break;
        }
        return null;
    }
}

/// <summary>A node with a key and a value: a keyword (<c>#+KEY: value</c>), a babel call, a node
/// property, a diary sexp, a clock line; and the objects entity, macro, export snippet, statistics
/// cookie, target, radio target and LaTeX fragment (code and verbatim are <see cref="OrgVerbatimNode"/>).</summary>
public sealed class OrgValueNode : OrgNode
{
    private readonly TextRange _key, _value;

    internal OrgValueNode(OrgTree tree, OrgNodeType type, int begin, int end, TextRange key, TextRange value)
        : base(tree, type, begin, end)
    {
        _key = key;
        _value = value;
    }

    /// <summary>The key: a keyword's or property's name, a macro's or entity's name, an export
    /// snippet's back-end; <c>null</c> when the type has none.</summary>
    public string? Key => _key.IsPresent ? _key.GetString(Tree.Source.Span) : null;

    /// <summary>The value as written: a keyword's value, a macro's arguments, a snippet's text, a
    /// cookie, a fragment, the text of code or verbatim.</summary>
    public string Value => _value.GetString(Tree.Source.Span);

    /// <summary>The key's source range (absent when there is none).</summary>
    public TextRange KeyRange => _key;

    /// <summary>The value's source range.</summary>
    public TextRange ValueRange => _value;
}

/// <summary>A block: src, example, export, verse, comment (lesser blocks, whose contents are raw
/// text) or center, quote, special, dynamic (greater blocks, whose contents are elements).</summary>
public sealed class OrgBlockNode : OrgNode
{
    private readonly TextRange _name, _parameters, _body;

    internal OrgBlockNode(OrgTree tree, OrgNodeType type, int begin, int end, TextRange name, TextRange parameters, TextRange body)
        : base(tree, type, begin, end)
    {
        _name = name;
        _parameters = parameters;
        _body = body;
    }

    /// <summary>The block's name as written after <c>#+begin_</c> (<c>src</c>, <c>quote</c>, a
    /// special block's type), or a dynamic block's name.</summary>
    public string Name => _name.GetString(Tree.Source.Span);

    /// <summary>What follows the name on the begin line, trimmed; <c>null</c> when nothing does.
    /// For a src block, the language and then its switches and header arguments.</summary>
    public string? Arguments => _parameters.Length > 0 ? _parameters.GetString(Tree.Source.Span) : null;

    /// <summary>A src block's language, or <c>null</c>.</summary>
    public string? Language
    {
        get
        {
            if (Type != OrgNodeType.SrcBlock || _parameters.Length == 0) return null;
            string args = Arguments!;
            int space = args.IndexOfAny([' ', '\t']);
            return space < 0 ? args : args[..space];
        }
    }

    /// <summary>A src block's header arguments: what follows the language and the switches
    /// (<c>-n</c>, <c>-r</c>, <c>-l "fmt"</c>, …), trimmed; <c>null</c> when there are none.</summary>
    public string? Parameters
    {
        get
        {
            if (Type != OrgNodeType.SrcBlock || _parameters.Length == 0) return null;
            string args = Arguments!;
            int p = args.IndexOfAny([' ', '\t']);
            if (p < 0) return null;
            p = SkipSwitches(args, p);
            string rest = args[p..].Trim(' ', '\t');
            return rest.Length == 0 ? null : rest;
        }
    }

    // org-element-src-block-parser's "\(?: +\(?:-\(?:l \".+\"\|[ikr]\)\|[-+]n\(?: *[0-9]+\)?\)\)+".
    private static int SkipSwitches(string args, int p)
    {
        while (true)
        {
            int q = p;
            while (q < args.Length && args[q] == ' ') q++;
            if (q == p || q + 1 >= args.Length) return p;
            char c = args[q], d = args[q + 1];
            if (c == '-' && d is 'i' or 'k' or 'r') p = q + 2;
            else if (c == '-' && d == 'l' && q + 3 < args.Length && args[q + 2] == ' ' && args[q + 3] == '"'
                     && args.LastIndexOf('"') is int close && close > q + 4) p = close + 1;
            else if (c is '-' or '+' && d == 'n')
            {
                p = q + 2;
                int r = p;
                while (r < args.Length && args[r] == ' ') r++;
                int digits = r;
                while (r < args.Length && char.IsAsciiDigit(args[r])) r++;
                if (r > digits) p = r;
            }
            else return p;
        }
    }

    /// <summary>A lesser block's body with Org's comma escapes removed (<c>,*</c> at a line
    /// start is <c>*</c>), as org-element's <c>:value</c>; empty for greater blocks.</summary>
    public string Value => OrgEscapes.UnescapeCode(_body.GetString(Tree.Source.Span));
}

/// <summary>A drawer (<c>:LOGBOOK:</c> and custom ones).</summary>
public sealed class OrgDrawerNode : OrgNode
{
    private readonly TextRange _name;

    internal OrgDrawerNode(OrgTree tree, int begin, int end, TextRange name) : base(tree, OrgNodeType.Drawer, begin, end) => _name = name;

    /// <summary>The drawer's name, without colons.</summary>
    public string Name => _name.GetString(Tree.Source.Span);
}

/// <summary>How a plain list numbers its items.</summary>
public enum OrgListType : byte
{
    /// <summary><c>-</c>, <c>+</c> or <c>*</c> bullets.</summary>
    Unordered,
    /// <summary><c>1.</c> or <c>1)</c> bullets.</summary>
    Ordered,
    /// <summary>Unordered items with <c>tag ::</c> descriptions.</summary>
    Descriptive,
}

/// <summary>A plain list.</summary>
public sealed class OrgPlainListNode : OrgNode
{
    internal OrgPlainListNode(OrgTree tree, int begin, int end, OrgListType listType) : base(tree, OrgNodeType.PlainList, begin, end) => ListType = listType;

    /// <summary>How the list numbers its items.</summary>
    public OrgListType ListType { get; }
}

/// <summary>A list item's checkbox.</summary>
public enum OrgCheckbox : byte
{
    /// <summary>No checkbox.</summary>
    None,
    /// <summary><c>[ ]</c>.</summary>
    Off,
    /// <summary><c>[X]</c>.</summary>
    On,
    /// <summary><c>[-]</c>.</summary>
    Partial,
}

/// <summary>An item of a plain list: bullet, counter, checkbox and tag.</summary>
public sealed class OrgItemNode : OrgNode
{
    private readonly TextRange _bullet, _tag;
    private OrgNode[]? _tagObjects;

    internal OrgItemNode(OrgTree tree, int begin, int end, TextRange bullet, int? counter, OrgCheckbox checkbox, TextRange tag)
        : base(tree, OrgNodeType.Item, begin, end)
    {
        _bullet = bullet;
        Counter = counter;
        Checkbox = checkbox;
        _tag = tag;
    }

    /// <summary>The bullet with the blanks after it, as org-element's <c>:bullet</c> (<c>"- "</c>, <c>"1. "</c>).</summary>
    public string Bullet => _bullet.GetString(Tree.Source.Span);

    /// <summary>The counter set with <c>[@N]</c>, or <c>null</c>.</summary>
    public int? Counter { get; }

    /// <summary>The checkbox.</summary>
    public OrgCheckbox Checkbox { get; }

    /// <summary>Whether the item has a description tag (<c>- tag :: text</c>).</summary>
    public bool HasTag => _tag.IsPresent;

    /// <summary>The tag's source range (absent when there is none).</summary>
    public TextRange TagRange => _tag;

    /// <summary>The description tag parsed into objects; empty when there is none.</summary>
    public IReadOnlyList<OrgNode> Tag => SecondaryString(ref _tagObjects, static node => ((OrgItemNode)node).ParseTag());

    private OrgNode[] ParseTag() => _tag.IsPresent
        ? OrgObjectParser.Parse(Tree, _tag.Start, _tag.End, OrgObjectParser.RestrictionFor(OrgNodeType.Item))
        : [];

    /// <inheritdoc/>
    protected internal override IReadOnlyList<OrgNode> SecondaryObjects => Tag;
}

/// <summary>A footnote definition or reference, with its label.</summary>
public sealed class OrgFootnoteNode : OrgNode
{
    private readonly TextRange _label;

    internal OrgFootnoteNode(OrgTree tree, OrgNodeType type, int begin, int end, TextRange label) : base(tree, type, begin, end) => _label = label;

    /// <summary>The label (after <c>fn:</c>), or <c>null</c> for an anonymous inline footnote.</summary>
    public string? Label => _label.IsPresent ? _label.GetString(Tree.Source.Span) : null;
}

/// <summary>How a link is written.</summary>
public enum OrgLinkFormat : byte
{
    /// <summary><c>[[target][description]]</c>.</summary>
    Bracket,
    /// <summary><c>&lt;https://example.org&gt;</c>.</summary>
    Angle,
    /// <summary><c>https://example.org</c> in running text.</summary>
    Plain,
}

/// <summary>A link: its type (<c>https</c>, <c>file</c>, <c>fuzzy</c>, …), path and raw target.</summary>
public sealed class OrgLinkNode : OrgNode
{
    internal OrgLinkNode(OrgTree tree, int begin, int end, OrgLinkFormat format, string linkType, string path, string rawLink)
        : base(tree, OrgNodeType.Link, begin, end)
    {
        Format = format;
        LinkType = linkType;
        Path = path;
        RawLink = rawLink;
    }

    /// <summary>How the link is written.</summary>
    public OrgLinkFormat Format { get; }

    /// <summary>The link type: a URI scheme such as <c>https</c> or <c>file</c>, or <c>fuzzy</c>,
    /// <c>custom-id</c>, <c>id</c>, <c>coderef</c>, <c>radio</c>.</summary>
    public string LinkType { get; }

    /// <summary>The path: the target without its type (<c>//example.org</c> for <c>https://example.org</c>).</summary>
    public string Path { get; }

    /// <summary>The target as written (brackets and description removed).</summary>
    public string RawLink { get; }
}

/// <summary>A timestamp in running text.</summary>
public sealed class OrgTimestampNode : OrgNode
{
    private readonly TextRange _raw;

    internal OrgTimestampNode(OrgTree tree, int begin, int end, TextRange raw, OrgTimestampKind kind, OrgTimestampDate? start, OrgTimestampDate? endDate)
        : base(tree, OrgNodeType.Timestamp, begin, end)
    {
        _raw = raw;
        Kind = kind;
        Start = start;
        EndDate = endDate;
    }

    /// <summary>Active or inactive, a single point or a range, or a diary sexp.</summary>
    public OrgTimestampKind Kind { get; }

    /// <summary>The start as written (org-element's <c>:year-start</c> .. <c>:minute-start</c>),
    /// not checked against the calendar: <c>&lt;2026-13-45&gt;</c> is month 13, day 45. <c>null</c>
    /// for a diary sexp.</summary>
    public OrgTimestampDate? Start { get; }

    /// <summary>The end: the second stamp of a range, or the end time of a time range on one day,
    /// else the start. <c>null</c> for a diary sexp.</summary>
    public OrgTimestampDate? EndDate { get; }

    /// <summary>The timestamp parsed into calendar values, repeater and delay;
    /// <see cref="OrgTimestamp.IsValid"/> is false when the date or time is not a real one.</summary>
    public OrgTimestamp Value => OrgTimestamp.Parse(RawValue.AsSpan());

    /// <summary>The timestamp as written.</summary>
    public string RawValue => _raw.GetString(Tree.Source.Span);
}

/// <summary>A date and optional time of a timestamp, as written (not checked against the calendar).</summary>
/// <param name="Year">The year.</param>
/// <param name="Month">The month, as written.</param>
/// <param name="Day">The day, as written.</param>
/// <param name="Hour">The hour, or <c>null</c> when no time is given.</param>
/// <param name="Minute">The minute, or <c>null</c> when no time is given.</param>
public readonly record struct OrgTimestampDate(int Year, int Month, int Day, int? Hour, int? Minute);

/// <summary>An inline src block (<c>src_lang[params]{code}</c>) or inline babel call
/// (<c>call_name[header](args)[header]</c>).</summary>
public sealed class OrgInlineCodeNode : OrgNode
{
    private readonly TextRange _name, _parameters, _value;

    internal OrgInlineCodeNode(OrgTree tree, OrgNodeType type, int begin, int end, TextRange name, TextRange parameters, TextRange value)
        : base(tree, type, begin, end)
    {
        _name = name;
        _parameters = parameters;
        _value = value;
    }

    /// <summary>The language of an inline src block, or the name of a call.</summary>
    public string Name => _name.GetString(Tree.Source.Span);

    /// <summary>The bracketed header arguments, or <c>null</c>.</summary>
    public string? Parameters => _parameters.IsPresent ? _parameters.GetString(Tree.Source.Span) : null;

    /// <summary>The code, or the call's arguments.</summary>
    public string Value => _value.GetString(Tree.Source.Span);
}

/// <summary>A citation (<c>[cite/style:prefix;@key1;@key2 suffix]</c>) or one of its references
/// (<c>prefix @key suffix;</c>).</summary>
public sealed class OrgCitationNode : OrgNode
{
    private readonly TextRange _styleOrKey, _prefix, _suffix;
    private OrgNode[]? _prefixObjects, _suffixObjects;
    private IReadOnlyList<OrgNode>? _secondary;

    internal OrgCitationNode(OrgTree tree, OrgNodeType type, int begin, int end, TextRange styleOrKey, TextRange prefix, TextRange suffix)
        : base(tree, type, begin, end)
    {
        _styleOrKey = styleOrKey;
        _prefix = prefix;
        _suffix = suffix;
    }

    /// <summary>A citation's style (<c>t</c> in <c>[cite/t:@key]</c>), or <c>null</c>; <c>null</c> for a reference.</summary>
    public string? Style => Type == OrgNodeType.Citation && _styleOrKey.IsPresent ? _styleOrKey.GetString(Tree.Source.Span) : null;

    /// <summary>A reference's key, without the <c>@</c>; <c>null</c> for a citation.</summary>
    public string? Key => Type == OrgNodeType.CitationReference ? _styleOrKey.GetString(Tree.Source.Span) : null;

    /// <summary>The prefix: the citation's common prefix (before the first reference) or the
    /// reference's own, as objects; empty when there is none.</summary>
    public IReadOnlyList<OrgNode> Prefix => SecondaryString(ref _prefixObjects, static node => ((OrgCitationNode)node).Objects(((OrgCitationNode)node)._prefix));

    /// <summary>The suffix: the citation's common suffix (after the last reference) or the
    /// reference's own, as objects; empty when there is none.</summary>
    public IReadOnlyList<OrgNode> Suffix => SecondaryString(ref _suffixObjects, static node => ((OrgCitationNode)node).Objects(((OrgCitationNode)node)._suffix));

    /// <inheritdoc/>
    protected internal override IReadOnlyList<OrgNode> SecondaryObjects => _secondary ??= [.. Prefix, .. Suffix];

    private OrgNode[] Objects(TextRange range) => range.IsPresent
        ? OrgObjectParser.Parse(Tree, range.Start, range.End, OrgObjectParser.RestrictionFor(OrgNodeType.CitationReference))
        : [];
}

/// <summary>Code (<c>~code~</c>) or verbatim (<c>=verbatim=</c>) text: its value is the text
/// between the markers, taken as written.</summary>
public sealed class OrgVerbatimNode : OrgNode
{
    internal OrgVerbatimNode(OrgTree tree, OrgNodeType type, int begin) : base(tree, type, begin, 0)
    {
    }

    /// <summary>The text between the markers (derived from the node's extent, not stored: a
    /// document has thousands of these).</summary>
    public string Value => TextRange.FromBounds(Begin + 1, End - PostBlank - 1).GetString(Tree.Source.Span);
}
