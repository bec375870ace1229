using System.Runtime.CompilerServices;
using System.Text;
using OrgDispatch.Text;

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
public ref struct OrgReader
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
    {
        _text = utf8Text;
        _options = options ?? OrgSyntaxOptions.Default;
        _pos = start;
        _mode = start == 0 ? Mode.TopOfFile : Mode.Normal;
        _sectionEnd = -1;
        _propertyDrawerEnd = -1;
        _drawerEndCache = SearchCache.Empty;
        _blockEndCache = SearchCache.Empty;
        _r1 = _r2 = _r3 = _r4 = TextRange.None;
    }

    private enum Mode : byte
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

    // ---- Line classification, in org-element--current-element's order ----

    private int Classify(int s, int lineEnd, int next, Mode mode)
    {
        int i = SkipBlanks(s, lineEnd);
        if (i == lineEnd)
        {
            _kind = OrgTokenKind.BlankLine;
            return next;
        }

        byte c = _text[i];
        if (c == '#' && (i + 1 == lineEnd || _text[i + 1] == ' '))
        {
            _kind = OrgTokenKind.Comment;
            _r2 = TextRange.FromBounds(Math.Min(i + 2, lineEnd), lineEnd);
            if (mode == Mode.TopOfFile) _mode = Mode.TopOfFile;
            return next;
        }

        if (mode == Mode.AfterHeadline && IsPlanningLine(i, lineEnd))
        {
            _kind = OrgTokenKind.Planning;
            _mode = Mode.AfterPlanning;
            return next;
        }

        if (mode != Mode.Normal && c == ':' && MatchPropertyDrawer(i, lineEnd, next) is int drawerEnd and >= 0)
        {
            _kind = OrgTokenKind.PropertyDrawerStart;
            _propertyDrawerEnd = drawerEnd;
            return next;
        }

        switch (c)
        {
            case (byte)'C' or (byte)'c' when StartsWithIgnoreCase(i, lineEnd, "CLOCK:"u8):
                _kind = OrgTokenKind.Clock;
                _r2 = Trimmed(i + 6, lineEnd);
                return next;
            case (byte)'\\' when LatexBeginName(i, lineEnd) is { IsPresent: true } env:
                {
                    int envEnd = FindLatexEnd(s, Limit(), env);
                    if (envEnd < 0) break;
                    _kind = OrgTokenKind.LatexEnvironment;
                    _r1 = env;
                    return envEnd;
                }
            case (byte)':':
                return ClassifyColon(s, i, lineEnd, next);
            case (byte)'#' when i + 1 < lineEnd && _text[i + 1] == '+':
                return ClassifyHashPlus(s, i + 2, lineEnd, next);
            case (byte)'[' when i == s && FootnoteLabel(s, lineEnd) is { IsPresent: true } label:
                _kind = OrgTokenKind.FootnoteDefinition;
                _r1 = label;
                _r2 = Trimmed(label.End + 1, lineEnd);
                return next;
            case (byte)'-' when IsHorizontalRule(i, lineEnd):
                _kind = OrgTokenKind.HorizontalRule;
                return next;
            case (byte)'%' when i == s && StartsWith(i, lineEnd, "%%("u8):
                _kind = OrgTokenKind.DiarySexp;
                _r2 = TextRange.FromBounds(i, lineEnd);
                return next;
            case (byte)'|':
                _kind = OrgTokenKind.TableRow;
                return next;
            case (byte)'+' when IsTableRule(i, lineEnd):
                _kind = OrgTokenKind.TableRow;
                return next;
        }

        if (TryListItem(s, i, lineEnd))
        {
            return next;
        }

        return Paragraph(next);
    }

    private int ClassifyColon(int s, int i, int lineEnd, int next)
    {
        if (DrawerName(i, lineEnd) is { IsPresent: true } name)
        {
            if (_depth < _options.MaxNesting)
            {
                int end = FindDrawerEnd(next, Limit());
                if (end >= 0)
                {
                    Push(end, OrgTokenKind.DrawerEnd);
                    _kind = OrgTokenKind.DrawerStart;
                    _r1 = name;
                    return next;
                }
            }
            return Paragraph(next);
        }

        if (i + 1 == lineEnd || _text[i + 1] == ' ')
        {
            _kind = OrgTokenKind.FixedWidth;
            _r2 = TextRange.FromBounds(Math.Min(i + 2, lineEnd), lineEnd);
            return next;
        }

        return TryListItem(s, i, lineEnd) ? next : Paragraph(next);
    }

    private int ClassifyHashPlus(int s, int j, int lineEnd, int next)
    {
        if (StartsWithIgnoreCase(j, lineEnd, "BEGIN_"u8) && j + 6 < lineEnd && !IsWhitespaceAt(j + 6, lineEnd, out _))
        {
            TextRange name = TextRange.FromBounds(j + 6, TokenEnd(j + 6, lineEnd));
            if (_depth >= _options.MaxNesting && !IsLesserBlock(name)) return Paragraph(next);
            int endLine = FindBlockEnd(s, Limit(), name);
            if (endLine < 0) return Paragraph(next);
            _r1 = name;
            _r2 = Trimmed(name.End, lineEnd);
            if (IsLesserBlock(name))
            {
                _kind = OrgTokenKind.Block;
                _r3 = TextRange.FromBounds(next, endLine);
                LineEnd(endLine, out int afterEnd);
                return afterEnd;
            }
            _kind = OrgTokenKind.BlockStart;
            Push(endLine, OrgTokenKind.BlockEnd);
            return next;
        }

        if (StartsWithIgnoreCase(j, lineEnd, "CALL:"u8))
        {
            _kind = OrgTokenKind.BabelCall;
            _r1 = new TextRange(j, 4);
            _r2 = Trimmed(j + 5, lineEnd);
            return next;
        }

        if (StartsWithIgnoreCase(j, lineEnd, "BEGIN"u8) && j + 5 < lineEnd
            && (_text[j + 5] == ' ' || (_text[j + 5] == ':' && j + 6 < lineEnd && _text[j + 6] == ' ')))
        {
            if (_depth < _options.MaxNesting)
            {
                int endLine = FindDynamicBlockEnd(next, Limit());
                if (endLine >= 0)
                {
                    _kind = OrgTokenKind.DynamicBlockStart;
                    int nameStart = SkipBlanks(_text[j + 5] == ':' ? j + 6 : j + 5, lineEnd);
                    _r1 = TextRange.FromBounds(nameStart, TokenEnd(nameStart, lineEnd));
                    _r2 = Trimmed(_r1.End, lineEnd);
                    Push(endLine, OrgTokenKind.DynamicBlockEnd);
                    return next;
                }
            }
            return Paragraph(next);
        }

        // "#+KEY: value": KEY runs to the last colon of the first word (Org's "\S-*:" backtracks).
        int tokenEnd = TokenEnd(j, lineEnd);
        int colon = _text[j..tokenEnd].LastIndexOf((byte)':');
        if (colon >= 1)
        {
            _kind = OrgTokenKind.Keyword;
            _r1 = new TextRange(j, colon);
            _r2 = Trimmed(j + colon + 1, lineEnd);
            return next;
        }

        return Paragraph(next);
    }

    private bool TryListItem(int s, int i, int lineEnd)
    {
        int b = i;
        byte c = _text[i];
        if (c is (byte)'-' or (byte)'+' || (c == '*' && i > s))
        {
            b = i + 1;
        }
        else if (IsDigit(c))
        {
            while (b < lineEnd && IsDigit(_text[b])) b++;
            if (b == lineEnd || _text[b] is not ((byte)'.' or (byte)')')) return false;
            b++;
        }
        else
        {
            return false;
        }

        if (b < lineEnd && _text[b] is not ((byte)' ' or (byte)'\t')) return false;

        _kind = OrgTokenKind.ListItem;
        _level = i - s;
        _r1 = TextRange.FromBounds(i, b);
        int p = SkipBlanks(b, lineEnd);
        // Optional counter "[@3]" then optional checkbox "[ ]", "[X]" or "[-]".
        if (p + 3 < lineEnd && _text[p] == '[' && _text[p + 1] == '@')
        {
            int q = p + 2;
            while (q < lineEnd && (IsDigit(_text[q]) || IsAsciiLetter(_text[q]))) q++;
            if (q > p + 2 && q < lineEnd && _text[q] == ']')
            {
                _r3 = TextRange.FromBounds(p, q + 1);
                p = SkipBlanks(q + 1, lineEnd);
            }
        }
        if (p + 2 < lineEnd && _text[p] == '[' && _text[p + 1] is (byte)' ' or (byte)'X' or (byte)'x' or (byte)'-' && _text[p + 2] == ']'
            && (p + 3 == lineEnd || _text[p + 3] is (byte)' ' or (byte)'\t'))
        {
            _r4 = new TextRange(p, 3);
            p = SkipBlanks(p + 3, lineEnd);
        }
        _r2 = TextRange.FromBounds(p, lineEnd);
        return true;
    }

    private int Paragraph(int next)
    {
        _kind = OrgTokenKind.Paragraph;
        int limit = Limit();
        int p = next;
        while (p < limit)
        {
            int lineEnd = LineEnd(p, out int following);
            if (IsParagraphSeparator(p, lineEnd, limit)) return p;
            p = following;
        }
        return Math.Max(p, next);
    }

    // org-element-paragraph-separate, with the double checks org-element-paragraph-parser makes:
    // an opener (drawer, block, LaTeX environment) only ends a paragraph if it is closed.
    private bool IsParagraphSeparator(int s, int lineEnd, int limit)
    {
        if (s == lineEnd) return true;
        byte first = _text[s];
        if (first == '*' && HeadlineStars(s, lineEnd) > 0) return true;
        if (first == '[' && FootnoteLabel(s, lineEnd).IsPresent) return true;
        if (first == '%' && StartsWith(s, lineEnd, "%%("u8)) return true;

        int i = SkipBlanks(s, lineEnd);
        if (i == lineEnd) return true;
        byte c = _text[i];
        switch (c)
        {
            case (byte)'|':
                return true;
            case (byte)'+':
                return IsTableRule(i, lineEnd) || IsBulletEnd(i + 1, lineEnd);
            case (byte)'#':
                if (i + 1 == lineEnd || _text[i + 1] == ' ') return true;
                return _text[i + 1] == '+' && IsHashPlusSeparator(s, i + 2, lineEnd, limit);
            case (byte)':':
                if (i + 1 == lineEnd || _text[i + 1] == ' ') return true;
                if (DrawerName(i, lineEnd).IsPresent) return FindDrawerEnd(LineNext(s), limit) >= 0;
                return false;
            case (byte)'-':
                return IsHorizontalRule(i, lineEnd) || IsBulletEnd(i + 1, lineEnd);
            case (byte)'\\':
                return LatexBeginName(i, lineEnd) is { IsPresent: true } env && FindLatexEnd(s, limit, env) >= 0;
            case (byte)'C' or (byte)'c':
                return StartsWithIgnoreCase(i, lineEnd, "CLOCK:"u8);
            case (byte)'*':
                return IsBulletEnd(i + 1, lineEnd);
            default:
                if (IsDigit(c))
                {
                    int b = i;
                    while (b < lineEnd && IsDigit(_text[b])) b++;
                    return b < lineEnd && _text[b] is (byte)'.' or (byte)')' && IsBulletEnd(b + 1, lineEnd);
                }
                return false;
        }
    }

    private bool IsHashPlusSeparator(int s, int j, int lineEnd, int limit)
    {
        if (StartsWithIgnoreCase(j, lineEnd, "BEGIN_"u8) && j + 6 < lineEnd && !IsWhitespaceAt(j + 6, lineEnd, out _))
        {
            TextRange name = TextRange.FromBounds(j + 6, TokenEnd(j + 6, lineEnd));
            return FindBlockEnd(s, limit, name) >= 0;
        }
        int tokenEnd = TokenEnd(j, lineEnd);
        ReadOnlySpan<byte> token = _text[j..tokenEnd];
        // "#+KEY[...]:" ends a paragraph only for the dual keywords CAPTION and RESULTS.
        int bracket = DualKeywordBracket(j, tokenEnd, lineEnd);
        if (bracket > j)
        {
            ReadOnlySpan<byte> key = _text[j..bracket];
            return Ascii.EqualsIgnoreCase(key, "CAPTION"u8) || Ascii.EqualsIgnoreCase(key, "RESULTS"u8);
        }
        return token.Length > 1 && token[1..].Contains((byte)':');
    }

    // For "\S-+\[.*\]:", the position of the '[' that greedy matching picks, or -1.
    private readonly int DualKeywordBracket(int j, int tokenEnd, int lineEnd)
    {
        int closer = _text[j..lineEnd].LastIndexOf("]:"u8);
        if (closer < 0) return -1;
        closer += j;
        for (int b = Math.Min(tokenEnd, closer) - 1; b > j; b--)
        {
            if (_text[b] == '[') return b;
        }
        return -1;
    }

    private readonly bool IsBulletEnd(int p, int lineEnd) => p == lineEnd || _text[p] is (byte)' ' or (byte)'\t';

    // ---- Headlines ----

    private readonly int HeadlineStars(int s, int lineEnd)
    {
        int p = s;
        while (p < lineEnd && _text[p] == '*') p++;
        return p > s && p < lineEnd && _text[p] == ' ' ? p - s : 0;
    }

    private void ParseHeadline(int s, int lineEnd, int stars)
    {
        _kind = OrgTokenKind.Headline;
        _level = stars;
        int p = SkipBlanks(s + stars, lineEnd);

        bool hasTodo = false, hasPriority = false;
        int keywordLength = _options.TodoKeywords.MatchAtStart(_text[p..lineEnd]);
        if (keywordLength > 0)
        {
            hasTodo = true;
            _r1 = new TextRange(p, keywordLength);
            p = SkipBlanks(p + keywordLength + 1, lineEnd);
        }

        // "[#X]": exactly one character (of any byte length) between "[#" and "]".
        if (p + 2 < lineEnd && _text[p] == '[' && _text[p + 1] == '#')
        {
            EmacsCharClass.DecodeAt(_text[(p + 2)..lineEnd], out int n);
            if (p + 2 + n < lineEnd && _text[p + 2 + n] == ']')
            {
                hasPriority = true;
                _r2 = new TextRange(p + 2, n);
                p = SkipBlanks(p + 3 + n, lineEnd);
            }
        }

        if (StartsWith(p, lineEnd, "COMMENT"u8))
        {
            _commented = true;
            p += 7;
        }

        int titleStart = p;
        if (!hasTodo && !hasPriority && !_commented)
        {
            // A headline like "* :tag:": let the tag search see the blank after the stars.
            titleStart = s + stars;
        }

        int titleEnd = lineEnd;
        int tagsStart = FindTags(titleStart, lineEnd, out int tagsEnd, out int matchStart);
        if (tagsStart >= 0)
        {
            _r4 = TextRange.FromBounds(tagsStart, tagsEnd);
            titleEnd = matchStart;
        }

        _r3 = TrimTitle(titleStart, titleEnd);
    }

    // "[ \t]+\(:[[:alnum:]_@#%:]+:\)[ \t]*$" searched from `from`: returns the group's start, or -1.
    private readonly int FindTags(int from, int lineEnd, out int groupEnd, out int matchStart)
    {
        groupEnd = matchStart = -1;
        int e = lineEnd;
        while (e > from && _text[e - 1] is (byte)' ' or (byte)'\t') e--;
        if (e - from < 4 || _text[e - 1] != ':') return -1;
        int b = e;
        while (b > from)
        {
            byte c = _text[b - 1];
            if (c < 0x80)
            {
                if (c is (byte)' ' or (byte)'\t') break;
                if (!(IsDigit(c) || IsAsciiLetter(c) || c is (byte)'_' or (byte)'@' or (byte)'#' or (byte)'%' or (byte)':')) return -1;
                b--;
                continue;
            }
            // Step back to the lead byte of this UTF-8 sequence and check it decodes to exactly here.
            int lead = b - 1;
            while (lead > from && lead > b - 4 && (_text[lead] & 0xC0) == 0x80) lead--;
            Rune r = EmacsCharClass.DecodeAt(_text[lead..b], out int n);
            if (lead + n != b || !EmacsCharClass.IsAlnum(r)) return -1;
            b = lead;
        }
        if (b == from || _text[b] != ':' || e - b < 3) return -1;
        int ws = b;
        while (ws > from && _text[ws - 1] is (byte)' ' or (byte)'\t') ws--;
        groupEnd = e;
        matchStart = ws;
        return b;
    }

    private readonly TextRange TrimTitle(int start, int end)
    {
        while (start < end && _text[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') start++;
        while (end > start && _text[end - 1] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') end--;
        return TextRange.FromBounds(start, end);
    }

    private readonly bool IsPlanningLine(int i, int lineEnd) =>
        StartsWithIgnoreCase(i, lineEnd, "SCHEDULED:"u8)
        || StartsWithIgnoreCase(i, lineEnd, "DEADLINE:"u8)
        || StartsWithIgnoreCase(i, lineEnd, "CLOSED:"u8);

    // ---- Property drawers ----

    // org-property-drawer-re: ":PROPERTIES:" then property lines, lazily, up to ":END:".
    // Returns the start of the ":END:" line, or -1 when any line in between is not a property.
    private readonly int MatchPropertyDrawer(int i, int lineEnd, int next)
    {
        if (!StartsWithIgnoreCase(i, lineEnd, ":PROPERTIES:"u8) || !OnlyBlanks(i + 12, lineEnd) || !EndsWithNewline(next)) return -1;
        int p = next;
        while (p < _text.Length)
        {
            int e = LineEnd(p, out int following);
            int k = SkipBlanks(p, e);
            if (StartsWithIgnoreCase(k, e, ":END:"u8) && OnlyBlanks(k + 5, e)) return p;
            if (!IsPropertyDrawerLine(k, e) || !EndsWithNewline(following)) return -1;
            p = following;
        }
        return -1;
    }

    // "[ \t]*:\S-+:\(?: .*\)?[ \t]*$": a word that ends in a colon, then a space, or only blanks.
    private readonly bool IsPropertyDrawerLine(int k, int lineEnd)
    {
        if (k >= lineEnd || _text[k] != ':') return false;
        int t = TokenEnd(k + 1, lineEnd);
        if (t - (k + 1) < 2 || _text[t - 1] != ':') return false;
        if (t == lineEnd || _text[t] == ' ') return true;
        return _text[t] == '\t' && OnlyBlanks(t, lineEnd);
    }

    private void ParseProperty(int s, int lineEnd)
    {
        int k = SkipBlanks(s, lineEnd);
        int t = TokenEnd(k + 1, lineEnd);
        _r1 = TextRange.FromBounds(k + 1, t - 1);
        int v = SkipBlanks(t, lineEnd);
        int e = lineEnd;
        while (e > v && _text[e - 1] is (byte)' ' or (byte)'\t') e--;
        _r2 = TextRange.FromBounds(v, e);
    }

    // ---- Drawers, blocks, LaTeX environments ----

    // org-drawer-regexp: "^[ \t]*:\(\(?:\w\|[-_]\)+\):[ \t]*$".
    private readonly TextRange DrawerName(int i, int lineEnd)
    {
        int p = i + 1;
        while (p < lineEnd && _text[p] != ':')
        {
            byte c = _text[p];
            if (c < 0x80)
            {
                if (!(c is (byte)'-' or (byte)'_' || EmacsCharClass.IsWord(new Rune(c)))) return TextRange.None;
                p++;
            }
            else
            {
                Rune r = EmacsCharClass.DecodeAt(_text[p..lineEnd], out int n);
                if (EmacsCharClass.IsRawByte(r, n) || !EmacsCharClass.IsWord(r)) return TextRange.None;
                p += n;
            }
        }
        if (p == i + 1 || p >= lineEnd || !OnlyBlanks(p + 1, lineEnd)) return TextRange.None;
        return TextRange.FromBounds(i + 1, p);
    }

    private int FindDrawerEnd(int from, int limit)
    {
        if (_drawerEndCache.TryGet(from, limit, out int cached)) return cached;
        int found = -1;
        int p = from;
        while (p < limit)
        {
            int e = LineEnd(p, out int following);
            int k = SkipBlanks(p, e);
            if (StartsWithIgnoreCase(k, e, ":END:"u8) && OnlyBlanks(k + 5, e))
            {
                found = p;
                break;
            }
            p = following;
        }
        _drawerEndCache = new SearchCache(from, limit, found);
        return found;
    }

    // "^[ \t]*#\+END_NAME[ \t]*$", searched from the begin line (which cannot match itself).
    private int FindBlockEnd(int from, int limit, TextRange name)
    {
        ReadOnlySpan<byte> n = name.Of(_text);
        if (_blockEndCacheNameLength == n.Length && Ascii.EqualsIgnoreCase(_text.Slice(_blockEndCacheName, _blockEndCacheNameLength), n)
            && _blockEndCache.TryGet(from, limit, out int cached))
        {
            return cached;
        }
        int found = -1;
        int p = from;
        while (p < limit)
        {
            int e = LineEnd(p, out int following);
            int k = SkipBlanks(p, e);
            if (StartsWithIgnoreCase(k, e, "#+END_"u8) && k + 6 + n.Length <= e
                && EqualsIgnoreCase(_text.Slice(k + 6, n.Length), n) && OnlyBlanks(k + 6 + n.Length, e))
            {
                found = p;
                break;
            }
            p = following;
        }
        _blockEndCache = new SearchCache(from, limit, found);
        _blockEndCacheName = name.Start;
        _blockEndCacheNameLength = name.Length;
        return found;
    }

    private readonly int FindDynamicBlockEnd(int from, int limit)
    {
        int p = from;
        while (p < limit)
        {
            int e = LineEnd(p, out int following);
            int k = SkipBlanks(p, e);
            if (StartsWithIgnoreCase(k, e, "#+END"u8))
            {
                int q = k + 5;
                if (q < e && _text[q] == ':') q++;
                if (OnlyBlanks(q, e)) return p;
            }
            p = following;
        }
        return -1;
    }

    // "^[ \t]*\\begin{\([A-Za-z0-9*]+\)}".
    private readonly TextRange LatexBeginName(int i, int lineEnd)
    {
        if (!StartsWith(i, lineEnd, "\\begin{"u8)) return TextRange.None;
        int p = i + 7;
        while (p < lineEnd && (IsDigit(_text[p]) || IsAsciiLetter(_text[p]) || _text[p] == '*')) p++;
        return p > i + 7 && p < lineEnd && _text[p] == '}' ? TextRange.FromBounds(i + 7, p) : TextRange.None;
    }

    // "\\end{NAME}[ \t]*$" anywhere on a line from the begin line on; returns the offset after that line.
    private readonly int FindLatexEnd(int from, int limit, TextRange name)
    {
        ReadOnlySpan<byte> n = name.Of(_text);
        int p = from;
        while (p < limit)
        {
            int e = LineEnd(p, out int following);
            ReadOnlySpan<byte> line = _text[p..e];
            int at = line.IndexOf("\\end{"u8);
            while (at >= 0)
            {
                int q = p + at + 5;
                if (q + n.Length < e && EqualsIgnoreCase(_text.Slice(q, n.Length), n) && _text[q + n.Length] == '}' && OnlyBlanks(q + n.Length + 1, e))
                {
                    return following;
                }
                int nextAt = line[(at + 1)..].IndexOf("\\end{"u8);
                at = nextAt < 0 ? -1 : at + 1 + nextAt;
            }
            p = following;
        }
        return -1;
    }

    // Lesser blocks hold raw text; every other name is a greater block whose contents are elements.
    private readonly bool IsLesserBlock(TextRange name)
    {
        ReadOnlySpan<byte> n = name.Of(_text);
        return Ascii.EqualsIgnoreCase(n, "SRC"u8) || Ascii.EqualsIgnoreCase(n, "EXAMPLE"u8) || Ascii.EqualsIgnoreCase(n, "EXPORT"u8)
            || Ascii.EqualsIgnoreCase(n, "VERSE"u8) || Ascii.EqualsIgnoreCase(n, "COMMENT"u8);
    }

    // "^\[fn:\([-_[:word:]]+\)\]" at column 0.
    private readonly TextRange FootnoteLabel(int s, int lineEnd)
    {
        if (!StartsWith(s, lineEnd, "[fn:"u8)) return TextRange.None;
        int p = s + 4;
        while (p < lineEnd && _text[p] != ']')
        {
            Rune r = EmacsCharClass.DecodeAt(_text[p..lineEnd], out int n);
            if (!(r.Value is '-' or '_' || (EmacsCharClass.IsWord(r) && !EmacsCharClass.IsRawByte(r, n)))) return TextRange.None;
            p += n;
        }
        return p > s + 4 && p < lineEnd ? TextRange.FromBounds(s + 4, p) : TextRange.None;
    }

    private readonly bool IsHorizontalRule(int i, int lineEnd)
    {
        int p = i;
        while (p < lineEnd && _text[p] == '-') p++;
        return p - i >= 5 && OnlyBlanks(p, lineEnd);
    }

    // "+\(?:-+\+\)+[ \t]*$": a table.el rule.
    private readonly bool IsTableRule(int i, int lineEnd)
    {
        int p = i + 1;
        int groups = 0;
        while (p < lineEnd && _text[p] == '-')
        {
            while (p < lineEnd && _text[p] == '-') p++;
            if (p == lineEnd || _text[p] != '+') return false;
            p++;
            groups++;
        }
        return groups > 0 && OnlyBlanks(p, lineEnd);
    }

    private void Push(int endLineStart, OrgTokenKind endKind)
    {
        _containerEnds[_depth] = endLineStart;
        _containerKinds[_depth] = (byte)endKind;
        _depth++;
    }

    /// <summary>Where the current element's searches must stop: the innermost open container's
    /// closing line, else the next headline.</summary>
    private int Limit()
    {
        if (_depth > 0) return _containerEnds[_depth - 1];
        if (_sectionEnd < _pos) _sectionEnd = FindNextHeadline(LineNext(_pos));
        return _sectionEnd;
    }

    private readonly int FindNextHeadline(int from)
    {
        int p = from;
        while (p < _text.Length)
        {
            if (_text[p] == '*' && HeadlineStars(p, LineEnd(p, out _)) > 0) return p;
            int i = _text[p..].IndexOf("\n*"u8);
            if (i < 0) return _text.Length;
            p += i + 1;
        }
        return _text.Length;
    }

    // ---- Small helpers over the text ----

    /// <summary>End of the line's content (before LF or CRLF); <paramref name="next"/> is the next line's start.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly int LineEnd(int start, out int next)
    {
        int nl = _text[start..].IndexOf((byte)'\n');
        if (nl < 0)
        {
            next = _text.Length;
            return _text.Length;
        }
        int e = start + nl;
        next = e + 1;
        return e > start && _text[e - 1] == '\r' ? e - 1 : e;
    }

    private readonly int LineNext(int start)
    {
        LineEnd(start, out int next);
        return next;
    }

    private readonly bool EndsWithNewline(int next) => next > 0 && next <= _text.Length && _text[next - 1] == '\n';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly int SkipBlanks(int p, int end)
    {
        while (p < end && _text[p] is (byte)' ' or (byte)'\t') p++;
        return p;
    }

    private readonly bool OnlyBlanks(int p, int end) => SkipBlanks(p, end) == end;

    private readonly TextRange Trimmed(int start, int end)
    {
        start = Math.Min(start, end);
        while (start < end && _text[start] is (byte)' ' or (byte)'\t' or (byte)'\r') start++;
        while (end > start && _text[end - 1] is (byte)' ' or (byte)'\t' or (byte)'\r') end--;
        return TextRange.FromBounds(start, end);
    }

    /// <summary>End of the run of non-whitespace characters (Emacs's <c>\S-</c>) starting at <paramref name="p"/>.</summary>
    private readonly int TokenEnd(int p, int end)
    {
        while (p < end && !IsWhitespaceAt(p, end, out _))
        {
            byte c = _text[p];
            p += c < 0x80 ? 1 : DecodedLength(p, end);
        }
        return p;
    }

    private readonly bool IsWhitespaceAt(int p, int end, out int length)
    {
        byte c = _text[p];
        if (c < 0x80)
        {
            length = 1;
            return c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\f' or (byte)'\r';
        }
        Rune r = EmacsCharClass.DecodeAt(_text[p..end], out length);
        return EmacsCharClass.IsWhitespace(r);
    }

    private readonly int DecodedLength(int p, int end)
    {
        EmacsCharClass.DecodeAt(_text[p..end], out int n);
        return n;
    }

    private readonly bool StartsWith(int p, int end, ReadOnlySpan<byte> prefix) =>
        end - p >= prefix.Length && _text.Slice(p, prefix.Length).SequenceEqual(prefix);

    private readonly bool StartsWithIgnoreCase(int p, int end, ReadOnlySpan<byte> prefix) =>
        end - p >= prefix.Length && Ascii.EqualsIgnoreCase(_text.Slice(p, prefix.Length), prefix);

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        a.Length == b.Length && (Ascii.EqualsIgnoreCase(a, b) || a.SequenceEqual(b));

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    private static bool IsAsciiLetter(byte c) => (uint)((c | 0x20) - 'a') <= 25;

    [InlineArray(NestingLimit)]
    private struct ContainerEnds
    {
        private int _element0;
    }

    [InlineArray(NestingLimit)]
    private struct ContainerKinds
    {
        private byte _element0;
    }

    // Remembers one search: from `From` (a line start) to `Limit`, the first match was `Found`
    // (-1 for none). A later search from a point in [From, Found] with the same limit has the same answer.
    private readonly record struct SearchCache(int From, int Limit, int Found)
    {
        public static SearchCache Empty => new(-1, -1, -1);

        public bool TryGet(int from, int limit, out int found)
        {
            found = Found;
            return From >= 0 && limit == Limit && from >= From && (Found < 0 || from <= Found);
        }
    }
}
