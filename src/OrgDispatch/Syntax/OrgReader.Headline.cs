using System.Text;
using OrgDispatch.Text;

namespace OrgDispatch.Syntax;

// Headlines and what may follow one directly: the planning line and the property drawer.
public ref partial struct OrgReader
{
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
}
