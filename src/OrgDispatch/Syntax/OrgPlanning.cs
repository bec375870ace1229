using System.Text;
using OrgDispatch.Text;

namespace OrgDispatch.Syntax;

/// <summary>The timestamps on a headline's planning line, as byte ranges of their raw text.
/// A keyword whose timestamp Org cannot read is absent, as in org-element.</summary>
/// <param name="Scheduled">The <c>SCHEDULED:</c> timestamp.</param>
/// <param name="Deadline">The <c>DEADLINE:</c> timestamp.</param>
/// <param name="Closed">The <c>CLOSED:</c> timestamp.</param>
/// <remarks>Allocation-free; immutable and thread-safe.</remarks>
public readonly record struct OrgPlanning(TextRange Scheduled, TextRange Deadline, TextRange Closed)
{
    /// <summary>No planning.</summary>
    public static OrgPlanning None => new(TextRange.None, TextRange.None, TextRange.None);

    /// <summary>Reads a planning line the way <c>org-element--get-time-properties</c> does: each
    /// keyword (matched without regard to case, at a word start, followed by a bracketed text)
    /// is followed by a timestamp; a later keyword of the same kind wins. A keyword written in
    /// another case than upper case counts as CLOSED, as it does in Org 9.5.</summary>
    /// <param name="text">The whole source.</param>
    /// <param name="lineStart">Start of the planning line.</param>
    /// <param name="lineEnd">End of its content (before the line terminator).</param>
    public static OrgPlanning Parse(ReadOnlySpan<byte> text, int lineStart, int lineEnd)
    {
        TextRange scheduled = TextRange.None, deadline = TextRange.None, closed = TextRange.None;
        int p = lineStart;
        while (p < lineEnd)
        {
            int k = FindKeyword(text, p, lineEnd, out int keywordLength);
            if (k < 0) break;
            int q = k + keywordLength;
            while (q < lineEnd && text[q] is (byte)' ' or (byte)'\t') q++;
            TextRange ts = TimestampAt(text, q, lineEnd);
            ReadOnlySpan<byte> keyword = text.Slice(k, keywordLength);
            if (keyword.SequenceEqual("SCHEDULED:"u8)) scheduled = ts;
            else if (keyword.SequenceEqual("DEADLINE:"u8)) deadline = ts;
            else closed = ts;
            p = q;
        }
        return new OrgPlanning(scheduled, deadline, closed);
    }

    // "\<\(CLOSED:\|DEADLINE:\|SCHEDULED:\) *[[<]\([^]>]+\)[]>]", case-insensitive.
    private static int FindKeyword(ReadOnlySpan<byte> text, int from, int end, out int length)
    {
        for (int k = from; k < end; k++)
        {
            byte c = (byte)(text[k] | 0x20);
            int len = c switch
            {
                (byte)'s' => Match(text, k, end, "SCHEDULED:"u8),
                (byte)'d' => Match(text, k, end, "DEADLINE:"u8),
                (byte)'c' => Match(text, k, end, "CLOSED:"u8),
                _ => 0,
            };
            if (len == 0 || !AtWordStart(text, k)) continue;
            int q = k + len;
            while (q < end && text[q] == ' ') q++;
            if (q >= end || text[q] is not ((byte)'[' or (byte)'<')) continue;
            int close = text[(q + 1)..end].IndexOfAny((byte)']', (byte)'>');
            if (close < 1) continue;
            length = len;
            return k;
        }
        length = 0;
        return -1;
    }

    private static int Match(ReadOnlySpan<byte> text, int k, int end, ReadOnlySpan<byte> keyword) =>
        end - k >= keyword.Length && Ascii.EqualsIgnoreCase(text.Slice(k, keyword.Length), keyword) ? keyword.Length : 0;

    private static bool AtWordStart(ReadOnlySpan<byte> text, int k)
    {
        if (k == 0) return true;
        int lead = k - 1;
        while (lead > 0 && lead > k - 4 && (text[lead] & 0xC0) == 0x80) lead--;
        Rune before = EmacsCharClass.DecodeAt(text[lead..k], out int n);
        if (lead + n != k) before = Rune.ReplacementChar;
        return !EmacsCharClass.IsWord(before) || EmacsCharClass.IsRawByte(before, n);
    }

    /// <summary>The raw text of the timestamp starting at <paramref name="p"/>, as
    /// <c>org-element-timestamp-parser</c> delimits it, or an absent range.</summary>
    internal static TextRange TimestampAt(ReadOnlySpan<byte> text, int p, int end)
    {
        if (!LooksLikeTimestamp(text, p, end)) return TextRange.None;
        // "[<[]\(%%\)?.*?[]>]" then optionally "--[<[].*?[]>]".
        int close = p + 1 + text[(p + 1)..end].IndexOfAny((byte)']', (byte)'>');
        int stop = close + 1;
        if (stop + 2 < end && text[stop] == '-' && text[stop + 1] == '-' && text[stop + 2] is (byte)'<' or (byte)'[')
        {
            int close2 = text[(stop + 3)..end].IndexOfAny((byte)']', (byte)'>');
            if (close2 >= 0) stop = stop + 3 + close2 + 1;
        }
        return TextRange.FromBounds(p, stop);
    }

    // org-element--timestamp-regexp, anchored at p.
    private static bool LooksLikeTimestamp(ReadOnlySpan<byte> text, int p, int end)
    {
        if (p >= end) return false;
        byte open = text[p];
        if (open is not ((byte)'<' or (byte)'[')) return false;
        ReadOnlySpan<byte> s = text[(p + 1)..end];
        // [[<]YYYY-MM-DD\(?: .*?\)?[]>]
        if (s.Length >= 11 && Digits(s, 0, 4) && s[4] == '-' && Digits(s, 5, 2) && s[7] == '-' && Digits(s, 8, 2))
        {
            if (s[10] is (byte)']' or (byte)'>') return true;
            if (s[10] == ' ' && s[11..].IndexOfAny((byte)']', (byte)'>') >= 0) return true;
        }
        if (open != '<') return false;
        // <%%(...)>
        if (s.StartsWith("%%("u8))
        {
            int g = s.IndexOf((byte)'>');
            return g > 4 && s[g - 1] == ')';
        }
        // <N-N-N[^>\n]+?\+N[dwmy]>
        int i = 0, thirdStart = 0;
        for (int group = 0; group < 3; group++)
        {
            int start = thirdStart = i;
            while (i < s.Length && (uint)(s[i] - '0') <= 9) i++;
            if (i == start) return false;
            if (group < 2)
            {
                if (i >= s.Length || s[i] != '-') return false;
                i++;
            }
        }
        int gt = s[i..].IndexOf((byte)'>');
        if (gt < 0) return false;
        gt += i;
        int u = gt - 1;
        if (u <= i || s[u] is not ((byte)'d' or (byte)'w' or (byte)'m' or (byte)'y')) return false;
        int d = u;
        while (d > i && (uint)(s[d - 1] - '0') <= 9) d--;
        // The third number may give digits back to "[^>\n]+?", which needs at least one character.
        return d < u && d - 1 >= thirdStart + 2 && s[d - 1] == '+';
    }

    private static bool Digits(ReadOnlySpan<byte> s, int at, int count)
    {
        for (int i = at; i < at + count; i++)
        {
            if ((uint)(s[i] - '0') > 9) return false;
        }
        return true;
    }
}
