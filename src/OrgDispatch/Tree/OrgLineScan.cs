namespace OrgDispatch.Tree;

// Line and blank scanning as org-element moves point: skip-chars over " \r\t\n", count-lines,
// line-beginning-position. Positions are byte offsets; every helper stays inside the text.
internal static class OrgLineScan
{
    public static bool IsBlankByte(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    public static int LineStart(ReadOnlySpan<byte> t, int p)
    {
        if (p <= 0) return 0;
        int nl = t[..p].LastIndexOf((byte)'\n');
        return nl + 1;
    }

    /// <summary>Start of the line after the one holding <paramref name="p"/> (the text's end on the last line).</summary>
    public static int LineNext(ReadOnlySpan<byte> t, int p)
    {
        if (p >= t.Length) return t.Length;
        int nl = t[p..].IndexOf((byte)'\n');
        return nl < 0 ? t.Length : p + nl + 1;
    }

    /// <summary>End of the line holding <paramref name="p"/>, before its LF or CRLF.</summary>
    public static int LineEnd(ReadOnlySpan<byte> t, int p)
    {
        int nl = p >= t.Length ? -1 : t[p..].IndexOf((byte)'\n');
        int e = nl < 0 ? t.Length : p + nl;
        return e > p && t[e - 1] == '\r' ? e - 1 : e;
    }

    public static bool IsBol(ReadOnlySpan<byte> t, int p) => p == 0 || t[p - 1] == '\n';

    public static bool IsBlankLine(ReadOnlySpan<byte> t, int lineStart)
    {
        int e = LineEnd(t, lineStart);
        for (int i = lineStart; i < e; i++)
        {
            if (t[i] is not ((byte)' ' or (byte)'\t')) return false;
        }
        return true;
    }

    /// <summary><c>(skip-chars-forward " \r\t\n" limit)</c>, then <c>(if (eobp) (point) (line-beginning-position))</c>:
    /// where an element ends after its trailing blank lines.</summary>
    public static int SkipBlankLines(ReadOnlySpan<byte> t, int p, int limit)
    {
        while (p < limit && IsBlankByte(t[p])) p++;
        return p >= t.Length ? p : LineStart(t, p);
    }

    /// <summary><c>(skip-chars-backward " \r\t\n" floor)</c>, then <c>(line-beginning-position 2)</c>:
    /// where an element's contents end, before its trailing blank lines.</summary>
    public static int ContentsEndBefore(ReadOnlySpan<byte> t, int p, int floor)
    {
        while (p > floor && IsBlankByte(t[p - 1])) p--;
        return LineNext(t, p);
    }

    /// <summary><c>(skip-chars-forward " \r\t\n" limit)</c>: the first non-blank position, or <paramref name="limit"/>.</summary>
    public static int SkipBlanks(ReadOnlySpan<byte> t, int p, int limit)
    {
        while (p < limit && IsBlankByte(t[p])) p++;
        return p;
    }

    /// <summary>Emacs's <c>count-lines</c>: the newlines in [a, b), plus one when b is not at a line start.</summary>
    public static int CountLines(ReadOnlySpan<byte> t, int a, int b)
    {
        if (b <= a) return 0;
        int n = t[a..b].Count((byte)'\n');
        return IsBol(t, b) ? n : n + 1;
    }

    /// <summary>The column of the first non-blank byte of the line at <paramref name="lineStart"/>,
    /// tabs to the next multiple of 8, as <c>current-column</c> counts indentation.</summary>
    public static int Indentation(ReadOnlySpan<byte> t, int lineStart, out int firstNonBlank)
    {
        int col = 0, p = lineStart;
        while (p < t.Length && t[p] is (byte)' ' or (byte)'\t')
        {
            col = t[p] == '\t' ? (col / 8 + 1) * 8 : col + 1;
            p++;
        }
        firstNonBlank = p;
        return col;
    }

    /// <summary>Whether the line at <paramref name="lineStart"/> is a headline: stars, then a space.</summary>
    public static int HeadlineStars(ReadOnlySpan<byte> t, int lineStart)
    {
        int p = lineStart;
        while (p < t.Length && t[p] == '*') p++;
        return p > lineStart && p < t.Length && t[p] == ' ' ? p - lineStart : 0;
    }

    /// <summary>The start of the next headline line after the line at <paramref name="p"/>, or the text's end.</summary>
    public static int NextHeadline(ReadOnlySpan<byte> t, int p, int maxStars = int.MaxValue)
    {
        int q = LineNext(t, p);
        while (q < t.Length)
        {
            if (t[q] == '*' && HeadlineStars(t, q) is int s and > 0 && s <= maxStars) return q;
            int i = t[q..].IndexOf("\n*"u8);
            if (i < 0) return t.Length;
            q += i + 1;
        }
        return t.Length;
    }

    public static bool StartsWithIgnoreCase(ReadOnlySpan<byte> t, int p, int end, ReadOnlySpan<byte> prefix) =>
        end - p >= prefix.Length && System.Text.Ascii.EqualsIgnoreCase(t.Slice(p, prefix.Length), prefix);
}
