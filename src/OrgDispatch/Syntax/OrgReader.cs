
namespace OrgDispatch.Syntax;

/// <summary>
/// A forward-only reader over UTF-8 Org text that reports one element token at a time, the
/// way <c>Utf8JsonReader</c> reports JSON tokens. It decides element boundaries by the same
/// rules as Emacs's <c>org-element</c> (Org 9.5): a block or drawer that is never closed before
/// the next headline is a paragraph, the planning line and property drawer count only right
/// after their headline, and so on (see docs/org-syntax.md).
/// </summary>
/// <remarks>
/// <para>Tokens tile the input: each byte belongs to exactly one token, so the text is always
/// recoverable byte for byte, whatever it holds (malformed Org, CRLF, a BOM, invalid UTF-8).</para>
/// <para><see cref="Read"/> never allocates on the heap and never throws. Multi-line searches
/// (for a block's end line, say) are cached so that hostile input cannot make reading
/// quadratic in the common cases. The reader is a <c>ref struct</c>: not thread-safe, one
/// per walk.</para>
/// </remarks>
public ref partial struct OrgReader
{
    /// <summary>The most drawers and greater blocks that may be open at once.</summary>
    internal const int NestingLimit = 32;

    private readonly ReadOnlySpan<byte> _text;
    private readonly OrgSyntaxOptions _options;
    private int _pos;
    private Mode _mode;

    // Start of the next headline line (the search limit of every element in this section), or -1.
    private int _sectionEnd;
    // Start of the ":END:" line while inside a property drawer, else -1.
    private int _propertyDrawerEnd;

    // Open drawers and greater blocks: the start of each one's closing line.
    private ContainerEnds _containerEnds;
    private ContainerKinds _containerKinds;
    private int _depth;

    // Caches of the last multi-line searches, so repeated openers do not rescan a section.
    private SearchCache _drawerEndCache;
    private SearchCache _blockEndCache;
    private int _blockEndCacheName;
    private int _blockEndCacheNameLength;

    // The current token.
    private OrgTokenKind _kind;
    private int _start;
    private int _end;
    private int _lineEnd;
    private int _level;
    private bool _commented;
    private TextRange _r1, _r2, _r3, _r4;

    /// <summary>Starts reading <paramref name="utf8Text"/> from its first byte.</summary>
    /// <param name="utf8Text">The whole Org text as UTF-8.</param>
    /// <param name="options">TODO keywords and level settings; <see cref="OrgSyntaxOptions.Default"/> when null.</param>
    public OrgReader(ReadOnlySpan<byte> utf8Text, OrgSyntaxOptions? options = null)
        : this(utf8Text, 0, options)
    {
    }

    /// <summary>Starts reading at <paramref name="start"/>, which must be the start of a
    /// headline line (or 0): element state never crosses a headline, so reading from there gives
    /// the same tokens as reading the whole text.</summary>
    internal OrgReader(ReadOnlySpan<byte> utf8Text, int start, OrgSyntaxOptions? options)
        : this(utf8Text, start, options, start == 0 ? Mode.TopOfFile : Mode.Normal)
    {
    }

    /// <summary>Starts reading at <paramref name="start"/>, a line start, as if the lines before
    /// had left the reader in <paramref name="mode"/>. The syntax tree probes one element at a
    /// time this way, over the text cut at the enclosing element's end.</summary>
    internal OrgReader(ReadOnlySpan<byte> utf8Text, int start, OrgSyntaxOptions? options, Mode mode)
    {
        _text = utf8Text;
        _options = options ?? OrgSyntaxOptions.Default;
        _pos = start;
        _mode = mode;
        _sectionEnd = -1;
        _propertyDrawerEnd = -1;
        _drawerEndCache = SearchCache.Empty;
        _blockEndCache = SearchCache.Empty;
        _r1 = _r2 = _r3 = _r4 = TextRange.None;
    }

    /// <summary>What the lines before allow the next one to be.</summary>
    internal enum Mode : byte
    {
        Normal,
        TopOfFile,
        AfterHeadline,
        AfterPlanning,
    }

    /// <summary>The kind of the current token.</summary>
    public readonly OrgTokenKind TokenKind => _kind;

    /// <summary>The current token: its kind, byte range and parts.</summary>
    public readonly OrgToken Token => new(_kind, _start, _end, _lineEnd, _level, _commented, _r1, _r2, _r3, _r4);

    /// <summary>The bytes of the current token, line terminators included.</summary>
    public readonly ReadOnlySpan<byte> TokenSpan => _text[_start.._end];

    /// <summary>Offset of the next byte to read.</summary>
    public readonly int Position => _pos;

    /// <summary>How many drawers and greater blocks enclose the current token.</summary>
    public readonly int Depth => _depth;

    /// <summary>After an opener (a drawer, property drawer, greater or dynamic block): the start
    /// of its closing line; else -1.</summary>
    internal readonly int ClosingLine =>
        _kind == OrgTokenKind.PropertyDrawerStart ? _propertyDrawerEnd
        : _kind is OrgTokenKind.DrawerStart or OrgTokenKind.BlockStart or OrgTokenKind.DynamicBlockStart ? _containerEnds[_depth - 1]
        : -1;

    /// <summary>Where a paragraph that starts inside the line at <paramref name="lineStart"/>
    /// (after an item's bullet or a footnote label) ends: the first line after it that
    /// separates paragraphs, as <c>org-element-paragraph-parser</c> finds it.</summary>
    internal int ParagraphEndFrom(int lineStart)
    {
        _pos = lineStart;
        return Paragraph(LineNext(lineStart));
    }

    /// <summary>Advances to the next token.</summary>
    /// <returns><c>false</c> at the end of the text.</returns>
    public bool Read()
    {
        _r1 = _r2 = _r3 = _r4 = TextRange.None;
        _level = 0;
        _commented = false;
        int s = _pos;
        if (s >= _text.Length)
        {
            _kind = OrgTokenKind.None;
            _start = _end = _lineEnd = s;
            return false;
        }

        _start = s;
        if (s == 0 && _text.StartsWith("\uFEFF"u8))
        {
            _kind = OrgTokenKind.ByteOrderMark;
            _end = _lineEnd = _pos = 3;
            return true;
        }

        int lineEnd = LineEnd(s, out int next);
        _lineEnd = lineEnd;
        Mode mode = _mode;
        _mode = Mode.Normal;

        if (_propertyDrawerEnd >= 0)
        {
            if (s == _propertyDrawerEnd)
            {
                _kind = OrgTokenKind.PropertyDrawerEnd;
                _propertyDrawerEnd = -1;
            }
            else
            {
                _kind = OrgTokenKind.Property;
                ParseProperty(s, lineEnd);
            }
        }
        else if (HeadlineStars(s, lineEnd) is int stars and > 0)
        {
            ParseHeadline(s, lineEnd, stars);
            _mode = Mode.AfterHeadline;
            _sectionEnd = -1;
            _depth = 0;
        }
        else if (_depth > 0 && s == _containerEnds[_depth - 1])
        {
            _kind = (OrgTokenKind)_containerKinds[_depth - 1];
            _depth--;
        }
        else
        {
            next = Classify(s, lineEnd, next, mode);
        }

        _end = _pos = next;
        return true;
    }
}
