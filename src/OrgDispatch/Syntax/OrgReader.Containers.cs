using System.Runtime.CompilerServices;
using System.Text;

namespace OrgDispatch.Syntax;

// Drawers and greater blocks: finding their closing lines (with cached searches, so hostile input
// stays linear in the common cases) and the stack of open ones.
public ref partial struct OrgReader
{
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
