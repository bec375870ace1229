using System.Runtime.CompilerServices;
using System.Text;

namespace OrgDispatch.Syntax;

// Line classification, in org-element--current-element's order, and where a paragraph ends
// (org-element-paragraph-separate). Both ask the predicates in OrgReader.LineKinds.cs, so each line
// kind is recognised one way.
public ref partial struct OrgReader
{
    // The line at s (first non-blank at i) starts which element? Returns where the element's first
    // token ends. Order matters, as in org-element--current-element.
    private int Classify(int s, int lineEnd, int next, Mode mode)
    {
        int i = SkipBlanks(s, lineEnd);
        if (i == lineEnd)
        {
            _kind = OrgTokenKind.BlankLine;
            return next;
        }
        if (ClassifyCommentOrMetadata(i, lineEnd, next, mode)) return next;
        int end = ClassifyByFirstByte(s, i, lineEnd, next);
        if (end >= 0) return end;
        return TryListItem(s, i, lineEnd) ? next : Paragraph(next);
    }

    // What depends on the lines before: a comment keeps the top-of-file mode (so #+TODO lines after
    // it still count), and the planning line and property drawer count only right after a headline.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // called for every line; split for reading, not for the JIT
    private bool ClassifyCommentOrMetadata(int i, int lineEnd, int next, Mode mode)
    {
        byte c = _text[i];
        if (c == '#' && IsLoneMarker(i, lineEnd))
        {
            _kind = OrgTokenKind.Comment;
            _r2 = TextRange.FromBounds(Math.Min(i + 2, lineEnd), lineEnd);
            if (mode == Mode.TopOfFile) _mode = Mode.TopOfFile;
            return true;
        }
        if (mode == Mode.AfterHeadline && IsPlanningLine(i, lineEnd))
        {
            _kind = OrgTokenKind.Planning;
            _mode = Mode.AfterPlanning;
            return true;
        }
        if (mode != Mode.Normal && c == ':' && MatchPropertyDrawer(i, lineEnd, next) is int drawerEnd and >= 0)
        {
            _kind = OrgTokenKind.PropertyDrawerStart;
            _propertyDrawerEnd = drawerEnd;
            return true;
        }
        return false;
    }

    // The elements a line's first non-blank byte announces; -1 when none does (a list item or a paragraph).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ClassifyByFirstByte(int s, int i, int lineEnd, int next)
    {
        switch (_text[i])
        {
            case (byte)'C' or (byte)'c' when IsClockLine(i, lineEnd):
                _kind = OrgTokenKind.Clock;
                _r2 = Trimmed(i + 6, lineEnd);
                return next;
            case (byte)'\\' when ClosedLatexEnvironment(s, i, lineEnd, Limit(), out TextRange env) is int envEnd and >= 0:
                _kind = OrgTokenKind.LatexEnvironment;
                _r1 = env;
                return envEnd;
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
            case (byte)'%' when i == s && IsDiarySexp(s, lineEnd):
                _kind = OrgTokenKind.DiarySexp;
                _r2 = TextRange.FromBounds(i, lineEnd);
                return next;
            case (byte)'|':
            case (byte)'+' when IsTableRule(i, lineEnd):
                _kind = OrgTokenKind.TableRow;
                return next;
            default:
                return -1;
        }
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

        if (IsLoneMarker(i, lineEnd))
        {
            _kind = OrgTokenKind.FixedWidth;
            _r2 = TextRange.FromBounds(Math.Min(i + 2, lineEnd), lineEnd);
            return next;
        }

        return TryListItem(s, i, lineEnd) ? next : Paragraph(next);
    }

    private int ClassifyHashPlus(int s, int j, int lineEnd, int next)
    {
        if (BlockBeginName(j, lineEnd) is { IsPresent: true } name)
        {
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
        if (_text[i] == '*' && i == s) return false; // a star in the first column is a headline's
        int b = BulletEnd(i, lineEnd);
        if (b < 0) return false;

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
        if (first == '%' && IsDiarySexp(s, lineEnd)) return true;

        int i = SkipBlanks(s, lineEnd);
        if (i == lineEnd) return true;
        byte c = _text[i];
        switch (c)
        {
            case (byte)'|':
                return true;
            case (byte)'+':
                return IsTableRule(i, lineEnd) || BulletEnd(i, lineEnd) >= 0;
            case (byte)'#':
                if (IsLoneMarker(i, lineEnd)) return true;
                return _text[i + 1] == '+' && IsHashPlusSeparator(s, i + 2, lineEnd, limit);
            case (byte)':':
                if (IsLoneMarker(i, lineEnd)) return true;
                if (DrawerName(i, lineEnd).IsPresent) return FindDrawerEnd(LineNext(s), limit) >= 0;
                return false;
            case (byte)'-':
                return IsHorizontalRule(i, lineEnd) || BulletEnd(i, lineEnd) >= 0;
            case (byte)'\\':
                return ClosedLatexEnvironment(s, i, lineEnd, limit, out _) >= 0;
            case (byte)'C' or (byte)'c':
                return IsClockLine(i, lineEnd);
            default:
                // "*" here is indented or not a headline ("*\t"), so it can only be a bullet.
                return (c == '*' || IsDigit(c)) && BulletEnd(i, lineEnd) >= 0;
        }
    }

    private bool IsHashPlusSeparator(int s, int j, int lineEnd, int limit)
    {
        if (BlockBeginName(j, lineEnd) is { IsPresent: true } name) return FindBlockEnd(s, limit, name) >= 0;
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
}
