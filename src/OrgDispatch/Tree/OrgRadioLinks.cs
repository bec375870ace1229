using System.Text;
using OrgDispatch.Text;

namespace OrgDispatch.Tree;

// Radio links: once a document holds a radio target (<<<text>>>), every other occurrence of that
// text in it is a link. Org builds one regexp of all targets when the buffer enters org-mode
// (org-update-radio-target-regexp) and org-element--object-lex searches for it ahead of the other
// objects. This class plays that regexp:
//   \(?:^\|[^[:alnum:]]\|\c|\)\(TARGET1\|TARGET2\|...\)\(?:$\|[^[:alnum:]]\|\c|\)
// with the targets tried last-found first, matched without case, a run of spaces in a target
// matching any run of whitespace.
internal sealed class OrgRadioLinks
{
    private readonly string[] _targets; // in the regexp's order: the last one found first

    private OrgRadioLinks(string[] targets) => _targets = targets;

    // The radio targets of a parsed tree, or null when it has none (the common case: one search).
    public static OrgRadioLinks? Collect(OrgTree tree)
    {
        ReadOnlySpan<byte> t = tree.Source.Span;
        if (t.IndexOf("<<<"u8) < 0) return null;
        var found = new List<string>();
        Visit(tree.Root);
        if (found.Count == 0) return null;
        found.Reverse();
        return new OrgRadioLinks([.. found]);

        // Every radio target org-element itself would find: the objects of each element that
        // holds text, parsed without radio links (radio targets never contain links).
        void Visit(OrgNode node)
        {
            switch (node)
            {
                case OrgHeadlineNode h:
                    Scan(h.TitleRange.Start, h.TitleRange.End, OrgNodeType.Headline);
                    break;
                case OrgItemNode { HasTag: true } item:
                    Scan(item.TagRange.Start, item.TagRange.End, OrgNodeType.Item);
                    break;
            }
            if (node.HoldsObjects)
            {
                Scan(node.ContentsBegin, node.ContentsEnd, node.Type);
                return;
            }
            foreach (OrgNode child in node.Children) Visit(child);
        }

        void Scan(int begin, int end, OrgNodeType container)
        {
            if (begin < 0 || end <= begin || tree.Source.Span[begin..end].IndexOf("<<<"u8) < 0) return;
            Add(OrgObjectParser.Parse(tree, begin, end, OrgObjectParser.RestrictionFor(container), radio: null));
        }

        void Add(IReadOnlyList<OrgNode> objects)
        {
            foreach (OrgNode o in objects)
            {
                if (o.Type == OrgNodeType.RadioTarget)
                {
                    string value = ((OrgValueNode)o).Value;
                    if (!found.Contains(value)) found.Add(value);
                }
                else if (o.Children.Count > 0) Add(o.Children);
            }
        }
    }

    // The next radio link at or after `from` in [regionBegin, end) (a narrowed region whose start
    // is a line start): the link's text as [linkBegin, linkEnd), and where the whole match ended.
    public bool TryFind(ReadOnlySpan<byte> t, int regionBegin, int from, int end, out int linkBegin, out int linkEnd, out int matchEnd)
    {
        for (int r = from; r <= end; r++)
        {
            if (r > from && r < end && (t[r] & 0xC0) == 0x80) continue; // inside a character
            if ((r == regionBegin || t[r - 1] == '\n') && TryTargetsAt(t, r, end, out linkEnd, out matchEnd))
            {
                linkBegin = r;
                return true;
            }
            if (r == end) break;
            Rune c = EmacsCharClass.DecodeAt(t[r..end], out int n);
            if ((!EmacsCharClass.IsAlnum(c) || IsLineBreakable(c)) && TryTargetsAt(t, r + n, end, out linkEnd, out matchEnd))
            {
                linkBegin = r + n;
                return true;
            }
        }
        linkBegin = linkEnd = matchEnd = -1;
        return false;
    }

    private bool TryTargetsAt(ReadOnlySpan<byte> t, int g, int end, out int linkEnd, out int matchEnd)
    {
        foreach (string target in _targets)
        {
            int m = MatchTarget(t, g, end, target);
            if (m < 0) continue;
            // After: end of line, or a character that is not alphanumeric (or breaks lines).
            if (m == end || t[m] == '\n' || (t[m] == '\r' && m + 1 < end && t[m + 1] == '\n'))
            {
                (linkEnd, matchEnd) = (m, m);
                return true;
            }
            Rune c = EmacsCharClass.DecodeAt(t[m..end], out int n);
            if (!EmacsCharClass.IsAlnum(c) || IsLineBreakable(c))
            {
                (linkEnd, matchEnd) = (m, m + n);
                return true;
            }
        }
        linkEnd = matchEnd = -1;
        return false;
    }

    // Where `target` ends when it matches at g, or -1.
    private static int MatchTarget(ReadOnlySpan<byte> t, int g, int end, string target)
    {
        int p = g;
        int i = 0;
        while (i < target.Length)
        {
            if (target[i] == ' ')
            {
                while (i < target.Length && target[i] == ' ') i++;
                int spaces = p;
                while (p < end)
                {
                    Rune w = EmacsCharClass.DecodeAt(t[p..end], out int wn);
                    if (!EmacsCharClass.IsWhitespace(w)) break;
                    p += wn;
                }
                if (p == spaces) return -1;
                continue;
            }
            if (p >= end) return -1;
            Rune.DecodeFromUtf16(target.AsSpan(i), out Rune want, out int used);
            Rune have = EmacsCharClass.DecodeAt(t[p..end], out int n);
            if (have != want && Rune.ToLowerInvariant(have) != Rune.ToLowerInvariant(want)) return -1;
            i += used;
            p += n;
        }
        return p;
    }

    // Emacs's category "|" (line breakable): CJK scripts, where words are not separated by spaces.
    private static bool IsLineBreakable(Rune c) => c.Value switch
    {
        0xF0B or (>= 0xF0D and <= 0xF12) or 0xF14 or 0xF7F => true,
        >= 0x2E80 and <= 0x312F => true,
        >= 0x3190 and <= 0x9FD5 => true,
        >= 0xF900 and <= 0xFAFF => true,
        >= 0xFF01 and <= 0xFF9F => true,
        >= 0x20000 and <= 0x2FFFF => true,
        _ => false,
    };
}
