using static OrgDispatch.Tree.OrgLineScan;

namespace OrgDispatch.Tree;

// The structure of a plain list, as org-element--list-struct computes it: every item of the list
// and of the lists nested in it, with its indentation and where it ends. A list cannot be cut into
// items line by line: an item ends at a less or equally indented line, at two blank lines, or at
// the limit, and blocks and drawers inside an item are skipped whole.
internal sealed class OrgListStructure
{
    private readonly Dictionary<int, ListItemLine> _items;

    private OrgListStructure(Dictionary<int, ListItemLine> items) => _items = items;

    public bool TryGet(int begin, out ListItemLine item) => _items.TryGetValue(begin, out item);

    public static OrgListStructure Build(ReadOnlySpan<byte> t, int start, int limit)
    {
        var done = new Dictionary<int, ListItemLine>();
        var open = new Stack<ListItemLine>();
        int p = start;
        while (true)
        {
            if (p >= limit)
            {
                int end = ContentsEndBefore(t, p, 0);
                Close(open, done, Math.Min(end, limit));
                return new OrgListStructure(done);
            }
            if (IsListEnd(t, p, limit))
            {
                Close(open, done, p);
                return new OrgListStructure(done);
            }
            if (ListItemLine.TryMatch(t, p, out ListItemLine item))
            {
                while (open.Count > 0 && item.Indentation <= open.Peek().Indentation) Finish(open.Pop(), done, p);
                open.Push(item);
                p = LineNext(t, p);
                continue;
            }
            if (IsBlankLine(t, p))
            {
                p = LineNext(t, p);
                continue;
            }
            int ind = Indentation(t, p, out int first);
            int textEnd = ContentsEndBefore(t, p, 0);
            while (open.Count > 0 && ind <= open.Peek().Indentation)
            {
                Finish(open.Pop(), done, textEnd);
                if (open.Count == 0) return new OrgListStructure(done);
            }
            p = LineNext(t, SkipBlockOrDrawer(t, p, first, limit));
        }
    }

    private static void Close(Stack<ListItemLine> open, Dictionary<int, ListItemLine> done, int end)
    {
        while (open.Count > 0) Finish(open.Pop(), done, end);
    }

    private static void Finish(ListItemLine item, Dictionary<int, ListItemLine> done, int end) =>
        done[item.Begin] = item with { End = end };

    // org-list-end-re: "^[ \t]*\n[ \t]*\n", two blank lines.
    private static bool IsListEnd(ReadOnlySpan<byte> t, int p, int limit)
    {
        if (!IsBlankLine(t, p)) return false;
        int next = LineNext(t, p);
        if (next >= t.Length || next > limit || t[next - 1] != '\n') return false;
        int after = LineNext(t, next);
        return IsBlankLine(t, next) && after <= t.Length && t[after - 1] == '\n' && after > next;
    }

    // A "#+BEGIN..." or drawer line whose end line comes before the limit: the end line's start,
    // so that the caller moves past it. Otherwise the line itself.
    private static int SkipBlockOrDrawer(ReadOnlySpan<byte> t, int lineStart, int first, int limit)
    {
        int e = LineEnd(t, lineStart);
        if (StartsWithIgnoreCase(t, first, e, "#+BEGIN"u8) && first + 7 < e)
        {
            byte c = t[first + 7];
            if (c == ':') return FindLine(t, LineNext(t, lineStart), limit, "#+END:"u8, default) is int f and >= 0 ? f : lineStart;
            if (c == '_' && first + 8 < e && t[first + 8] is not ((byte)' ' or (byte)'\t'))
            {
                int n = first + 8;
                while (n < e && t[n] is not ((byte)' ' or (byte)'\t')) n++;
                return FindLine(t, LineNext(t, lineStart), limit, "#+END_"u8, t[(first + 8)..n]) is int f and >= 0 ? f : lineStart;
            }
        }
        if (t[first] == ':' && IsDrawerLine(t, first, e))
        {
            return FindLine(t, LineNext(t, lineStart), limit, ":END:"u8, default) is int f and >= 0 ? f : lineStart;
        }
        return lineStart;
    }

    // "^[ \t]*PREFIX NAME[ \t]*$" from `from` to `limit`: the start of the matching line, or -1.
    private static int FindLine(ReadOnlySpan<byte> t, int from, int limit, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> name)
    {
        int p = from;
        while (p < limit)
        {
            int e = LineEnd(t, p);
            int k = p;
            while (k < e && t[k] is (byte)' ' or (byte)'\t') k++;
            if (StartsWithIgnoreCase(t, k, e, prefix) && StartsWithIgnoreCase(t, k + prefix.Length, e, name))
            {
                int q = k + prefix.Length + name.Length;
                while (q < e && t[q] is (byte)' ' or (byte)'\t') q++;
                if (q == e) return p;
            }
            p = LineNext(t, p);
        }
        return -1;
    }

    // org-drawer-regexp, loosely: ":NAME:" alone on the line (word characters, '-' and '_').
    private static bool IsDrawerLine(ReadOnlySpan<byte> t, int first, int e)
    {
        int p = first + 1;
        while (p < e && t[p] != ':')
        {
            byte c = t[p];
            if (!(c is (byte)'-' or (byte)'_' || char.IsAsciiLetterOrDigit((char)c) || c >= 0x80)) return false;
            p++;
        }
        if (p == first + 1 || p >= e) return false;
        p++;
        while (p < e && t[p] is (byte)' ' or (byte)'\t') p++;
        return p == e;
    }
}

// One item's first line, matched by org-list-full-item-re: bullet (with the blanks after it),
// counter, checkbox and description tag.
internal readonly record struct ListItemLine(int Begin, int Indentation, int BulletStart, int BulletEnd,
    int? Counter, OrgCheckbox Checkbox, int TagStart, int TagEnd, int MatchEnd, int End)
{
    public bool HasTag => TagStart >= 0;

    public bool IsOrdered(ReadOnlySpan<byte> t) => t[BulletEnd - 1] is (byte)'.' or (byte)')' || char.IsAsciiDigit((char)t[BulletStart]);

    // org-item-re, then org-list-full-item-re's groups.
    public static bool TryMatch(ReadOnlySpan<byte> t, int lineStart, out ListItemLine item)
    {
        item = default;
        int e = LineEnd(t, lineStart);
        int ind = OrgLineScan.Indentation(t, lineStart, out int b);
        if (b >= e) return false;
        int p;
        byte c = t[b];
        if (c is (byte)'-' or (byte)'+') p = b + 1;
        else if (c == '*' && b > lineStart) p = b + 1;
        else if (char.IsAsciiDigit((char)c))
        {
            p = b;
            while (p < e && char.IsAsciiDigit((char)t[p])) p++;
            if (p == e || t[p] is not ((byte)'.' or (byte)')')) return false;
            p++;
        }
        else return false;
        if (p < e && t[p] is not ((byte)' ' or (byte)'\t')) return false;
        while (p < e && t[p] is (byte)' ' or (byte)'\t') p++;
        int bulletEnd = p;

        int? counter = null;
        if (p + 3 < e + 1 && p < e && t[p] == '[' && p + 1 < e && t[p + 1] == '@')
        {
            int q = p + 2;
            if (StartsWithIgnoreCase(t, q, e, "start:"u8)) q += 6;
            int digits = q;
            while (q < e && char.IsAsciiDigit((char)t[q])) q++;
            int? value = null;
            if (q > digits) value = int.TryParse(t[digits..q], out int v) ? v : int.MaxValue;
            else if (q < e && char.IsAsciiLetter((char)t[q])) { value = char.ToUpperInvariant((char)t[q]) - 64; q++; }
            if (value is not null && q < e && t[q] == ']')
            {
                counter = value;
                p = q + 1;
                while (p < e && t[p] is (byte)' ' or (byte)'\t') p++;
            }
        }

        OrgCheckbox box = OrgCheckbox.None;
        if (p + 2 < e && t[p] == '[' && t[p + 1] is (byte)' ' or (byte)'X' or (byte)'x' or (byte)'-' && t[p + 2] == ']'
            && (p + 3 == e || t[p + 3] is (byte)' ' or (byte)'\t'))
        {
            box = t[p + 1] switch { (byte)' ' => OrgCheckbox.Off, (byte)'X' => OrgCheckbox.On, (byte)'-' => OrgCheckbox.Partial, _ => OrgCheckbox.None };
            p += 3;
            while (p < e && t[p] is (byte)' ' or (byte)'\t') p++;
        }

        // "\(.*\)[ \t]+::\([ \t]+\|$\)": the last " ::" on the line that a blank or the line end follows.
        int tagStart = -1, tagEnd = -1, matchEnd = p;
        for (int k = e - 2; k > p; k--)
        {
            if (t[k] == ':' && t[k + 1] == ':' && t[k - 1] is (byte)' ' or (byte)'\t' && (k + 2 == e || t[k + 2] is (byte)' ' or (byte)'\t'))
            {
                // The greedy ".*" leaves exactly one blank to "[ \t]+".
                tagStart = p;
                tagEnd = k - 1;
                matchEnd = k + 2;
                while (matchEnd < e && t[matchEnd] is (byte)' ' or (byte)'\t') matchEnd++;
                break;
            }
        }
        item = new ListItemLine(lineStart, ind, b, bulletEnd, counter, box, tagStart, tagEnd, matchEnd, -1);
        return true;
    }
}
