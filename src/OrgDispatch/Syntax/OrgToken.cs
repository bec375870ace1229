namespace OrgDispatch.Syntax;

/// <summary>One token reported by <see cref="OrgReader"/>: its kind, byte range and parts.
/// Parts are byte ranges into the source; which ones are present depends on the kind.</summary>
/// <remarks>A small immutable value; allocation-free and thread-safe.</remarks>
public readonly struct OrgToken
{
    private readonly TextRange _r1, _r2, _r3, _r4;
    private readonly int _level;

    internal OrgToken(OrgTokenKind kind, int start, int end, int lineEnd, int level, bool commented,
        TextRange r1, TextRange r2, TextRange r3, TextRange r4)
    {
        Kind = kind;
        Start = start;
        End = end;
        LineEnd = lineEnd;
        _level = level;
        IsCommented = commented;
        _r1 = r1;
        _r2 = r2;
        _r3 = r3;
        _r4 = r4;
    }

    /// <summary>The token's kind.</summary>
    public OrgTokenKind Kind { get; }

    /// <summary>Offset of the token's first byte.</summary>
    public int Start { get; }

    /// <summary>Offset just past the token (after its last line terminator).</summary>
    public int End { get; }

    /// <summary>Number of bytes in the token.</summary>
    public int Length => End - Start;

    /// <summary>Offset of the end of the token's first line, before its LF or CRLF.</summary>
    public int LineEnd { get; }

    /// <summary>Headline: the number of stars (see <see cref="OrgSyntaxOptions.ReduceLevel"/> for
    /// the level); 0 for any other kind.</summary>
    public int Stars => Kind == OrgTokenKind.Headline ? _level : 0;

    /// <summary>List item: the bullet's indentation in bytes; 0 for any other kind.</summary>
    public int Indentation => Kind == OrgTokenKind.ListItem ? _level : 0;

    /// <summary>Headline: whether the title starts with <c>COMMENT</c>.</summary>
    public bool IsCommented { get; }

    /// <summary>Headline: the TODO keyword.</summary>
    public TextRange TodoKeyword => Kind == OrgTokenKind.Headline ? _r1 : TextRange.None;

    /// <summary>Headline: the priority character inside <c>[#…]</c>.</summary>
    public TextRange Priority => Kind == OrgTokenKind.Headline ? _r2 : TextRange.None;

    /// <summary>Headline: the title without keyword, priority, COMMENT and tags, trimmed.</summary>
    public TextRange Title => Kind == OrgTokenKind.Headline ? _r3 : TextRange.None;

    /// <summary>Headline: the tag group, colons included (<c>:a:b:</c>).</summary>
    public TextRange Tags => Kind == OrgTokenKind.Headline ? _r4 : TextRange.None;

    /// <summary>The name: of a property, drawer, block, dynamic block, keyword (its key), footnote
    /// definition (its label) or LaTeX environment.</summary>
    public TextRange Name => Kind is OrgTokenKind.Headline or OrgTokenKind.ListItem ? TextRange.None : _r1;

    /// <summary>List item: the bullet (<c>-</c>, <c>+</c>, <c>*</c>, <c>1.</c>, <c>2)</c>).</summary>
    public TextRange Bullet => Kind == OrgTokenKind.ListItem ? _r1 : TextRange.None;

    /// <summary>The value: of a property or keyword; a block's parameters; a list item's text after
    /// bullet, counter and checkbox; the text of a comment, fixed-width, clock or footnote line.</summary>
    public TextRange Value => Kind == OrgTokenKind.Headline ? TextRange.None : _r2;

    /// <summary>Lesser block: the lines between the begin and end lines.</summary>
    public TextRange Contents => Kind == OrgTokenKind.Block ? _r3 : TextRange.None;

    /// <summary>List item: the counter cookie (<c>[@3]</c>).</summary>
    public TextRange Counter => Kind == OrgTokenKind.ListItem ? _r3 : TextRange.None;

    /// <summary>List item: the checkbox (<c>[ ]</c>, <c>[X]</c> or <c>[-]</c>).</summary>
    public TextRange Checkbox => Kind == OrgTokenKind.ListItem ? _r4 : TextRange.None;
}
