using System.Buffers;
using System.Text;
using OrgDispatch.Syntax;
using OrgDispatch.Text;

namespace OrgDispatch.Tree;

// The objects inside an element's text, found as org-element--object-lex finds them: scan for a
// position where an object may start (org-element--object-regexp), ask that object's parser, and
// move one character on when it declines. Each parser below is one org-element-*-parser, written
// over bytes; the region [begin, end) plays the narrowed buffer (its start is a line start, its
// end a line end), so no search leaves it. Recursive objects (bold, links, footnotes...) parse
// their contents with their own restriction.
internal static class OrgObjectParser
{
    [Flags]
    public enum Restriction : uint
    {
        None = 0,
        Bold = 1 << 0,
        Code = 1 << 1,
        Entity = 1 << 2,
        Italic = 1 << 3,
        LatexFragment = 1 << 4,
        StrikeThrough = 1 << 5,
        Subscript = 1 << 6,
        Superscript = 1 << 7,
        Underline = 1 << 8,
        Verbatim = 1 << 9,
        ExportSnippet = 1 << 10,
        FootnoteReference = 1 << 11,
        InlineBabelCall = 1 << 12,
        InlineSrcBlock = 1 << 13,
        LineBreak = 1 << 14,
        Link = 1 << 15,
        Macro = 1 << 16,
        RadioTarget = 1 << 17,
        StatisticsCookie = 1 << 18,
        Target = 1 << 19,
        Timestamp = 1 << 20,
        Citation = 1 << 21,
        CitationReference = 1 << 22,

        // org-element-object-restrictions.
        Minimal = Bold | Code | Entity | Italic | LatexFragment | StrikeThrough | Subscript | Superscript | Underline | Verbatim,
        Standard = Minimal | Citation | ExportSnippet | FootnoteReference | InlineBabelCall | InlineSrcBlock | LineBreak | Link | Macro
            | RadioTarget | StatisticsCookie | Target | Timestamp,
        NoLineBreak = Standard & ~LineBreak,
        LinkDescription = Minimal | ExportSnippet | InlineBabelCall | InlineSrcBlock | Macro | StatisticsCookie,
        TableCell = Minimal | Citation | ExportSnippet | FootnoteReference | Link | Macro | RadioTarget | Target | Timestamp,
    }

    // (org-link-types) in an Org buffer of `emacs -Q' (Org 9.5.5): the built-in types and those of
    // the default org-modules (ol-info, ol-gnus, ...). Longest first, so "https" wins over "http"
    // and "file+sys" over "file", as regexp-opt's longest match does.
    private static readonly string[] LinkTypes =
        new[] { "eww", "rmail", "mhe", "irc", "info", "gnus", "docview", "bibtex", "bbdb", "w3m", "doi", "file+sys", "file+emacs",
            "shell", "news", "mailto", "https", "http", "ftp", "help", "file", "elisp" }
        .OrderByDescending(t => t.Length).ToArray();

    private static readonly byte[][] LinkTypeBytes = LinkTypes.Select(Encoding.ASCII.GetBytes).ToArray();

    public static Restriction RestrictionFor(OrgNodeType type) => type switch
    {
        OrgNodeType.Headline or OrgNodeType.Item => Restriction.NoLineBreak,
        OrgNodeType.TableCell => Restriction.TableCell,
        OrgNodeType.Link => Restriction.LinkDescription,
        OrgNodeType.RadioTarget or OrgNodeType.CitationReference => Restriction.Minimal,
        OrgNodeType.Citation => Restriction.CitationReference,
        _ => Restriction.Standard,
    };

    // Objects nested deeper than this (a footnote in a footnote in ...) keep their contents
    // unparsed: hostile nesting cannot exhaust the stack, nor the depth a JSON writer accepts.
    public const int MaxDepth = 64;

    public static OrgNode[] Parse(OrgTree tree, int begin, int end, Restriction allowed) =>
        Parse(tree, begin, end, allowed, tree.RadioLinks);

    // org-element--parse-objects over [begin, end). With radio links, each step first finds the
    // next one, and an object wins over it only if it starts before it (org-element--object-lex).
    public static OrgNode[] Parse(OrgTree tree, int begin, int end, Restriction allowed, OrgRadioLinks? radio, int depth = 0)
    {
        if (end <= begin) return [];
        int mark = OrgNodeBuffer.Mark();
        try
        {
            return ParseInto(tree, begin, end, allowed, radio, depth, mark);
        }
        finally
        {
            OrgNodeBuffer.Truncate(mark); // only after an exception is there anything left above the mark
        }
    }

    private static OrgNode[] ParseInto(OrgTree tree, int begin, int end, Restriction allowed, OrgRadioLinks? radio, int depth, int mark)
    {
        var scan = new Region(tree, begin, end);
        int text = begin;
        int p = begin;
        ReadOnlySpan<byte> t = tree.Source.Span;
        if ((allowed & Restriction.Link) == 0) radio = null;
        while (p < end)
        {
            int limit = end, linkBegin = -1, linkEnd = -1;
            if (radio is not null && FindRadioLink(radio, t, begin, p, end, out linkBegin, out linkEnd)) limit = linkBegin;
            OrgNode? found = null;
            int q = p;
            if (allowed == Restriction.CitationReference) found = scan.CitationReference(p); // a citation's contents: references only
            else
            {
                while ((q = NextCandidate(t, q, limit)) >= 0 && (found = scan.ObjectAt(q, allowed)) is null) q++;
                if (q < 0) q = limit;
            }
            found ??= linkBegin >= 0 ? scan.RadioLink(linkBegin, linkEnd) : null;
            if (found is null) break;
            if (found.Begin > text) OrgNodeBuffer.Add(new OrgNode(tree, OrgNodeType.PlainText, text, found.Begin));
            if (found.HasContents && found.Children.Count == 0 && found.ContentsEnd > found.ContentsBegin)
            {
                found.SetChildren(depth < MaxDepth
                    ? Parse(tree, found.ContentsBegin, found.ContentsEnd, RestrictionFor(found.Type), radio, depth + 1)
                    : [new OrgNode(tree, OrgNodeType.PlainText, found.ContentsBegin, found.ContentsEnd)]);
            }
            OrgNodeBuffer.Add(found);
            p = text = Math.Max(found.End, q + 1);
        }
        if (text < end) OrgNodeBuffer.Add(new OrgNode(tree, OrgNodeType.PlainText, text, end));
        return OrgNodeBuffer.Take(mark);
    }

    // The characters org-element--object-regexp can match at: the first character of every object,
    // and ':' for plain links (found after their type).
    private static readonly SearchValues<byte> Triggers = SearchValues.Create("^_*/~=+@{$<\\[:"u8);

    // The next position in [p, limit) where an object may start, in order, or -1: the positions
    // ObjectAt can accept, found with a vectorised search instead of trying every character.
    // Objects whose first character is a letter are found from a later character: "call_" and
    // "src_" from their '_', plain links ("https:", "file+sys:") from their ':' (or the '+').
    private static int NextCandidate(ReadOnlySpan<byte> t, int p, int limit)
    {
        int from = p;
        while (from < limit)
        {
            int i = t[from..limit].IndexOfAny(Triggers);
            if (i < 0) return -1;
            int at = from + i;
            switch (t[at])
            {
                case (byte)'_':
                    if (at - 4 >= p && Ascii.EqualsIgnoreCase(t.Slice(at - 4, 4), "call"u8)) return at - 4;
                    if (at - 3 >= p && Ascii.EqualsIgnoreCase(t.Slice(at - 3, 3), "src"u8)) return at - 3;
                    return at;
                case (byte)'+':
                    return at - 4 >= p && Ascii.EqualsIgnoreCase(t.Slice(at - 4, 4), "file"u8) ? at - 4 : at;
                case (byte)':':
                    int start = -1;
                    foreach (byte[] type in LinkTypeBytes)
                    {
                        int s = at - type.Length;
                        if (s >= p && (start < 0 || s < start) && Ascii.EqualsIgnoreCase(t.Slice(s, type.Length), type)) start = s;
                    }
                    if (start >= 0) return start;
                    from = at + 1; // ':' starts no object itself
                    continue;
                default:
                    return at;
            }
        }
        return -1;
    }

    // The search starts one character back (the regexp looks at the character before a link),
    // and skips a link that ends where the search starts: it was just passed.
    private static bool FindRadioLink(OrgRadioLinks radio, ReadOnlySpan<byte> t, int begin, int p, int end, out int linkBegin, out int linkEnd)
    {
        int from = p == begin || t[p - 1] == '\n' ? p : p - 1;
        while (from > begin && (t[from] & 0xC0) == 0x80) from--;
        while (radio.TryFind(t, begin, from, end, out linkBegin, out linkEnd, out int matchEnd))
        {
            if (linkBegin >= p) return true;
            from = Math.Max(matchEnd, from + 1);
        }
        return false;
    }

    private static int CharLength(ReadOnlySpan<byte> t, int p, int end)
    {
        if (t[p] < 0x80) return 1;
        EmacsCharClass.DecodeAt(t[p..end], out int n);
        return Math.Max(1, n);
    }

    private readonly struct Region(OrgTree tree, int begin, int end)
    {
        private ReadOnlySpan<byte> T => tree.Source.Span;

        private bool IsBol(int p) => p == begin || T[p - 1] == '\n';

        private bool IsEol(int p) => p >= end || T[p] == '\n' || (T[p] == '\r' && p + 1 < end && T[p + 1] == '\n') || (T[p] == '\r' && p + 1 == end);

        private Rune At(int p) => p < end ? EmacsCharClass.DecodeAt(T[p..end], out _) : default;

        private Rune Before(int p)
        {
            if (p <= begin) return default;
            int q = p - 1;
            while (q > begin && (T[q] & 0xC0) == 0x80 && p - q < 4) q--;
            return EmacsCharClass.DecodeAt(T[q..end], out _);
        }

        private bool IsSpace(int p) => p < end && EmacsCharClass.IsWhitespace(At(p));

        private int SkipSpacesAndTabs(int p)
        {
            while (p < end && T[p] is (byte)' ' or (byte)'\t') p++;
            return p;
        }

        private OrgNode Finish(OrgNode node, int after)
        {
            int e = SkipSpacesAndTabs(after);
            node.End = e;
            node.PostBlank = e - after;
            return node;
        }

        // org-element--object-lex: which parser a position calls, once org-element--object-regexp matches there.
        public OrgNode? ObjectAt(int p, Restriction allowed)
        {
            ReadOnlySpan<byte> t = T;
            byte c = t[p];
            byte next = p + 1 < end ? t[p + 1] : (byte)0;
            if (c is (byte)'c' or (byte)'C' or (byte)'s' or (byte)'S')
            {
                if (StartsWithIgnoreCase(p, "call_"u8)) return Has(allowed, Restriction.InlineBabelCall) ? InlineBabelCall(p) : null;
                if (StartsWithIgnoreCase(p, "src_"u8)) return Has(allowed, Restriction.InlineSrcBlock) ? InlineSrcBlock(p) : null;
            }
            switch (c)
            {
                case (byte)'^':
                    return IsScriptStart(next) && Has(allowed, Restriction.Superscript) ? Script(p, OrgNodeType.Superscript) : null;
                case (byte)'_':
                    if (!IsScriptStart(next) && !IsEmphasisStart(p)) return null;
                    return (Has(allowed, Restriction.Subscript) ? Script(p, OrgNodeType.Subscript) : null)
                        ?? (Has(allowed, Restriction.Underline) && IsEmphasisStart(p) ? Emphasis(p, OrgNodeType.Underline) : null);
                case (byte)'*':
                    return IsEmphasisStart(p) && Has(allowed, Restriction.Bold) ? Emphasis(p, OrgNodeType.Bold) : null;
                case (byte)'/':
                    return IsEmphasisStart(p) && Has(allowed, Restriction.Italic) ? Emphasis(p, OrgNodeType.Italic) : null;
                case (byte)'~':
                    return IsEmphasisStart(p) && Has(allowed, Restriction.Code) ? Emphasis(p, OrgNodeType.Code) : null;
                case (byte)'=':
                    return IsEmphasisStart(p) && Has(allowed, Restriction.Verbatim) ? Emphasis(p, OrgNodeType.Verbatim) : null;
                case (byte)'+':
                    return IsEmphasisStart(p) && Has(allowed, Restriction.StrikeThrough) ? Emphasis(p, OrgNodeType.StrikeThrough) : null;
                case (byte)'@':
                    return next == '@' && Has(allowed, Restriction.ExportSnippet) ? ExportSnippet(p) : null;
                case (byte)'{':
                    return StartsWith(p, "{{{"u8) && Has(allowed, Restriction.Macro) ? Macro(p) : null;
                case (byte)'$':
                    return Has(allowed, Restriction.LatexFragment) ? LatexFragment(p) : null;
                case (byte)'<':
                    if (next == '<')
                    {
                        return (Has(allowed, Restriction.RadioTarget) ? RadioTarget(p) : null)
                            ?? (Has(allowed, Restriction.Target) ? Target(p) : null);
                    }
                    if (!(next == '%' && p + 2 < end && t[p + 2] == '%') && !char.IsAsciiDigit((char)next) && LinkTypeAt(p + 1) < 0) return null;
                    return (Has(allowed, Restriction.Timestamp) ? Timestamp(p) : null)
                        ?? (Has(allowed, Restriction.Link) ? Link(p) : null);
                case (byte)'\\':
                    if (next == '\\')
                    {
                        return IsOnlyBlanksToEol(p + 2) && Has(allowed, Restriction.LineBreak) ? LineBreak(p) : null;
                    }
                    if (!(char.IsAsciiLetter((char)next) || next is (byte)'[' or (byte)'(' || (next == '_' && p + 2 < end && t[p + 2] == ' '))) return null;
                    return (Has(allowed, Restriction.Entity) ? Entity(p) : null)
                        ?? (Has(allowed, Restriction.LatexFragment) ? LatexFragment(p) : null);
                case (byte)'[':
                    return Bracket(p, next, allowed);
                default:
                    return Has(allowed, Restriction.Link) && IsWordStart(p) && LinkTypeAt(p) >= 0 ? Link(p) : null;
            }
        }

        private static bool Has(Restriction set, Restriction one) => (set & one) != 0;

        private OrgNode? Bracket(int p, byte next, Restriction allowed)
        {
            ReadOnlySpan<byte> t = T;
            switch (next)
            {
                case (byte)'[':
                    return Has(allowed, Restriction.Link) ? Link(p) : null;
                case (byte)'f' when StartsWith(p, "[fn:"u8):
                    return Has(allowed, Restriction.FootnoteReference) ? FootnoteReference(p) : null;
                case (byte)'c' when StartsWith(p, "[cite:"u8) || StartsWith(p, "[cite/"u8):
                    return Has(allowed, Restriction.Citation) ? Citation(p) : null;
                case (byte)'%' or (byte)'/':
                    if (next == '%' && !(p + 2 < end && t[p + 2] == ']')) return null;
                    if (next == '/')
                    {
                        int q = p + 2;
                        while (q < end && char.IsAsciiDigit((char)t[q])) q++;
                        if (!(q < end && t[q] == ']')) return null;
                    }
                    return Has(allowed, Restriction.StatisticsCookie) ? StatisticsCookie(p) : null;
                default:
                    if (!char.IsAsciiDigit((char)next)) return null;
                    return (Has(allowed, Restriction.Timestamp) ? Timestamp(p) : null)
                        ?? (Has(allowed, Restriction.StatisticsCookie) ? StatisticsCookie(p) : null);
            }
        }

        private bool StartsWith(int p, ReadOnlySpan<byte> s) => end - p >= s.Length && T.Slice(p, s.Length).SequenceEqual(s);

        private bool StartsWithIgnoreCase(int p, ReadOnlySpan<byte> s) => end - p >= s.Length && Ascii.EqualsIgnoreCase(T.Slice(p, s.Length), s);

        private bool IsOnlyBlanksToEol(int p)
        {
            p = SkipSpacesAndTabs(p);
            return IsEol(p);
        }

        // "\<": a word character at p and none before it.
        private bool IsWordStart(int p) => EmacsCharClass.IsWord(At(p)) && (p == begin || !EmacsCharClass.IsWord(Before(p)));

        // "[_^][-{(*+.,[:alnum:]]".
        private static bool IsScriptStart(byte next) => next is (byte)'-' or (byte)'{' or (byte)'(' or (byte)'*' or (byte)'+' or (byte)'.' or (byte)','
            || char.IsAsciiLetterOrDigit((char)next) || next >= 0x80;

        // "[*~=+_/][^[:space:]]".
        private bool IsEmphasisStart(int p) => p + 1 < end && !IsSpace(p + 1);

        // The link type at p followed by ':', as the length of the type; -1 when none.
        private int LinkTypeAt(int p)
        {
            foreach (byte[] type in LinkTypeBytes)
            {
                if (end - p > type.Length && Ascii.EqualsIgnoreCase(T.Slice(p, type.Length), type) && T[p + type.Length] == ':')
                {
                    return type.Length;
                }
            }
            return -1;
        }

        // ---- Emphasis -------------------------------------------------------------------------

        // org-emph-re / org-verbatim-re: PRE MARKER BORDER [BODY BORDER] MARKER POST, the body
        // with at most one newline, the shortest match.
        private OrgNode? Emphasis(int p, OrgNodeType type)
        {
            ReadOnlySpan<byte> t = T;
            byte marker = t[p];
            if (!IsBol(p))
            {
                Rune before = Before(p);
                if (!(before.Value is '-' or '(' or '\'' or '"' or '{' || EmacsCharClass.IsWhitespace(before))) return null;
            }
            int first = p + 1;
            if (first >= end || IsSpace(first)) return null;
            int newlines = 0;
            for (int k = first + CharLength(t, first, end); k < end; k++)
            {
                byte b = t[k];
                if (b == '\n' && ++newlines > 1) return null;
                if (b != marker) continue;
                if (EmacsCharClass.IsWhitespace(Before(k))) continue; // the border before the closing marker
                if (!IsEmphasisEnd(k + 1)) continue;
                var node = type is OrgNodeType.Code or OrgNodeType.Verbatim
                    ? new OrgVerbatimNode(tree, type, p)
                    : new OrgNode(tree, type, p, 0) { ContentsBegin = first, ContentsEnd = k };
                return Finish(node, k + 1);
            }
            return null;
        }

        // "[-[:space:].,:!?;'\")}\\[]\\|$".
        private bool IsEmphasisEnd(int p)
        {
            if (IsEol(p)) return true;
            byte c = T[p];
            return c is (byte)'-' or (byte)'.' or (byte)',' or (byte)':' or (byte)'!' or (byte)'?' or (byte)';' or (byte)'\'' or (byte)'"'
                or (byte)')' or (byte)'}' or (byte)'[' || IsSpace(p);
        }

        // ---- Scripts, entities, LaTeX ------------------------------------------------------------

        // org-match-substring-regexp at p - 1: a non-blank, the marker, then {…}, (…) or a word.
        private OrgNode? Script(int p, OrgNodeType type)
        {
            ReadOnlySpan<byte> t = T;
            int marker = p;
            if (IsBol(p))
            {
                // Looking at "\S-[_^]" from the marker itself.
                if (p + 1 >= end || t[p + 1] is not ((byte)'_' or (byte)'^')) return null;
                marker = p + 1;
            }
            else if (EmacsCharClass.IsWhitespace(Before(p))) return null;
            int s = marker + 1;
            if (s >= end) return null;
            int contentsBegin, contentsEnd, after;
            if (t[s] is (byte)'{' or (byte)'(')
            {
                int close = Balanced(s, t[s], t[s] == '{' ? (byte)'}' : (byte)')', 3);
                if (close < 0) return null;
                after = close + 1;
                (contentsBegin, contentsEnd) = t[s] == '{' ? (s + 1, close) : (s, close + 1);
            }
            else if (t[s] == '*')
            {
                (contentsBegin, contentsEnd, after) = (s, s + 1, s + 1);
            }
            else
            {
                // "[+-]?[[:alnum:].,\\]*[[:alnum:]]", the longest that ends with an alnum.
                int q = s;
                if (t[q] is (byte)'+' or (byte)'-') q++;
                int lastAlnum = -1;
                while (q < end)
                {
                    Rune r = EmacsCharClass.DecodeAt(t[q..end], out int n);
                    if (EmacsCharClass.IsAlnum(r)) lastAlnum = q + n;
                    else if (r.Value is not ('.' or ',' or '\\')) break;
                    q += n;
                }
                if (lastAlnum < 0) return null;
                (contentsBegin, contentsEnd, after) = (s, lastAlnum, lastAlnum);
            }
            var node = new OrgNode(tree, type, marker, 0) { ContentsBegin = contentsBegin, ContentsEnd = contentsEnd };
            return Finish(node, after);
        }

        // The closing delimiter of the group opened at p, nested at most `depth` deep; -1 when none.
        private int Balanced(int p, byte open, byte close, int depth)
        {
            ReadOnlySpan<byte> t = T;
            int level = 0;
            for (int q = p; q < end; q++)
            {
                if (t[q] == open && ++level > depth) return -1;
                if (t[q] == close && --level == 0) return q;
            }
            return -1;
        }

        // "\\\(?:\(_ +\)\|\(there4\|sup[123]\|frac[13][24]\|[a-zA-Z]+\)\($\|{}\|[^[:alpha:]]\)\)", a known name.
        private OrgNode? Entity(int p)
        {
            ReadOnlySpan<byte> t = T;
            int q = p + 1;
            if (q < end && t[q] == '_')
            {
                int spaces = q + 1;
                while (spaces < end && t[spaces] == ' ') spaces++;
                if (spaces - (q + 1) is < 1 or > 20) return null;
                var space = new OrgValueNode(tree, OrgNodeType.Entity, p, 0, TextRange.FromBounds(q, spaces), TextRange.FromBounds(q, spaces));
                return Finish(space, spaces);
            }
            int named = -1;
            foreach (string special in SpecialEntities)
            {
                if (StartsWith(q, Encoding.ASCII.GetBytes(special)) && EndsEntityName(q + special.Length))
                {
                    named = q + special.Length;
                    break;
                }
            }
            if (named < 0)
            {
                int e = q;
                while (e < end && char.IsAsciiLetter((char)t[e])) e++;
                if (e == q || !EndsEntityName(e)) return null;
                named = e;
            }
            string name = Encoding.ASCII.GetString(t[q..named]);
            if (!OrgEntityNames.All.Contains(name)) return null;
            bool brackets = StartsWith(named, "{}"u8);
            var entity = new OrgValueNode(tree, OrgNodeType.Entity, p, 0, TextRange.FromBounds(q, named), TextRange.FromBounds(q, named));
            return Finish(entity, brackets ? named + 2 : named);
        }

        private static readonly string[] SpecialEntities = ["there4", "sup1", "sup2", "sup3", "frac12", "frac14", "frac32", "frac34"];

        // "$\|{}\|[^[:alpha:]]" after an entity's name.
        private bool EndsEntityName(int p)
        {
            if (IsEol(p) || StartsWith(p, "{}"u8)) return true;
            Rune r = At(p);
            return !(Rune.IsLetter(r));
        }

        private OrgNode? LatexFragment(int p)
        {
            ReadOnlySpan<byte> t = T;
            int after;
            if (t[p] != '$')
            {
                byte c = p + 1 < end ? t[p + 1] : (byte)0;
                if (c == '(') after = Search(p, "\\)"u8);
                else if (c == '[') after = Search(p, "\\]"u8);
                else
                {
                    // "\\[a-zA-Z]+\*?\(\[[^][\n{}]*\]\|{[^{}\n]*}\)*".
                    int q = p + 1;
                    while (q < end && char.IsAsciiLetter((char)t[q])) q++;
                    if (q == p + 1) return null;
                    if (q < end && t[q] == '*') q++;
                    while (q < end && t[q] is (byte)'[' or (byte)'{')
                    {
                        byte close = t[q] == '[' ? (byte)']' : (byte)'}';
                        int r = q + 1;
                        while (r < end && t[r] != close && t[r] is not ((byte)'\n' or (byte)'{' or (byte)'}') && !(close == ']' && t[r] == '[')) r++;
                        if (r >= end || t[r] != close) break;
                        q = r + 1;
                    }
                    after = q;
                }
            }
            else if (p + 1 < end && t[p + 1] == '$')
            {
                after = Search(p + 2, "$$"u8);
            }
            else
            {
                if (p > begin && t[p - 1] == '$') return null;
                if (p + 1 >= end || t[p + 1] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)',' or (byte)'.' or (byte)';') return null;
                int close = t[(p + 1)..end].IndexOf((byte)'$');
                if (close < 0) return null;
                close += p + 1;
                if (t[close - 1] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)',' or (byte)'.') return null;
                after = close + 1;
                // Then punctuation, a blank, a bracket, a quote or the line end: not a word character.
                if (!IsEol(after) && At(after) is var r && r.Value != '\'' && EmacsCharClass.IsWord(r)) return null;
            }
            if (after < 0) return null;
            var node = new OrgValueNode(tree, OrgNodeType.LatexFragment, p, 0, TextRange.None, TextRange.FromBounds(p, after));
            return Finish(node, after);
        }

        // search-forward: the position after the first occurrence of s from p, or -1.
        private int Search(int p, ReadOnlySpan<byte> s)
        {
            int i = T[p..end].IndexOf(s);
            return i < 0 ? -1 : p + i + s.Length;
        }

        private OrgNode? LineBreak(int p)
        {
            if (p > begin && T[p - 1] == '\\') return null;
            int nl = T[p..end].IndexOf((byte)'\n');
            int after = nl < 0 ? end : p + nl + 1;
            return new OrgNode(tree, OrgNodeType.LineBreak, p, after);
        }

        // ---- Bracketed and delimited objects ----------------------------------------------------

        private OrgNode? FootnoteReference(int p)
        {
            ReadOnlySpan<byte> t = T;
            int q = p + 4;
            int labelStart = q;
            while (q < end && IsLabelChar(q)) q += CharLength(t, q, end);
            TextRange label = q > labelStart ? TextRange.FromBounds(labelStart, q) : TextRange.None;
            bool inline;
            if (q < end && t[q] == ':') inline = true;
            else if (q < end && t[q] == ']' && label.IsPresent) inline = false;
            else return null;
            int close = Balanced(p, (byte)'[', (byte)']', int.MaxValue);
            if (close < 0) return null;
            var node = new OrgFootnoteNode(tree, OrgNodeType.FootnoteReference, p, 0, label);
            if (inline)
            {
                node.ContentsBegin = q + 1;
                node.ContentsEnd = close;
            }
            return Finish(node, close + 1);
        }

        private bool IsLabelChar(int q)
        {
            Rune r = At(q);
            return r.Value is '-' or '_' || EmacsCharClass.IsWord(r);
        }

        // "\[[0-9]*\(%\|/[0-9]*\)\]".
        private OrgNode? StatisticsCookie(int p)
        {
            ReadOnlySpan<byte> t = T;
            int q = p + 1;
            while (q < end && char.IsAsciiDigit((char)t[q])) q++;
            if (q < end && t[q] == '%') q++;
            else if (q < end && t[q] == '/')
            {
                q++;
                while (q < end && char.IsAsciiDigit((char)t[q])) q++;
            }
            else return null;
            if (!(q < end && t[q] == ']')) return null;
            var node = new OrgValueNode(tree, OrgNodeType.StatisticsCookie, p, 0, TextRange.None, TextRange.FromBounds(p, q + 1));
            return Finish(node, q + 1);
        }

        // "{{{\([a-zA-Z][-a-zA-Z0-9_]*\)\((\([^\000]*?\))\)?}}}".
        private OrgNode? Macro(int p)
        {
            ReadOnlySpan<byte> t = T;
            int q = p + 3;
            if (!(q < end && char.IsAsciiLetter((char)t[q]))) return null;
            while (q < end && (char.IsAsciiLetterOrDigit((char)t[q]) || t[q] is (byte)'-' or (byte)'_')) q++;
            var name = TextRange.FromBounds(p + 3, q);
            int after;
            TextRange args = TextRange.None;
            if (StartsWith(q, "}}}"u8)) after = q + 3;
            else if (q < end && t[q] == '(')
            {
                int close = t[q..end].IndexOf(")}}}"u8);
                if (close < 0) return null;
                args = TextRange.FromBounds(q + 1, q + close);
                after = q + close + 4;
            }
            else return null;
            var node = new OrgValueNode(tree, OrgNodeType.Macro, p, 0, name, args.IsPresent ? args : TextRange.FromBounds(q, q));
            return Finish(node, after);
        }

        // org-target-regexp: "<<\(B\|B[^<>\n\r]*B\)>>", B a character not in "<>\n\r \t".
        private OrgNode? Target(int p)
        {
            if (TargetBody(p + 2) is not int close) return null;
            var node = new OrgValueNode(tree, OrgNodeType.Target, p, 0, TextRange.None, TextRange.FromBounds(p + 2, close));
            return Finish(node, close + 2);
        }

        // A radio link's text, found by OrgRadioLinks; its contents are parsed as a description's.
        public OrgNode RadioLink(int linkBegin, int linkEnd)
        {
            string text = TextRange.FromBounds(linkBegin, linkEnd).GetString(T);
            var link = new OrgLinkNode(tree, linkBegin, 0, OrgLinkFormat.Plain, "radio", text, text)
            {
                ContentsBegin = linkBegin,
                ContentsEnd = linkEnd,
            };
            return Finish(link, linkEnd);
        }

        private OrgNode? RadioTarget(int p)
        {
            if (!(p + 2 < end && T[p + 2] == '<') || TargetBody(p + 3) is not int close || !StartsWith(close + 2, ">"u8)) return null;
            var node = new OrgValueNode(tree, OrgNodeType.RadioTarget, p, 0, TextRange.None, TextRange.FromBounds(p + 3, close))
            {
                ContentsBegin = p + 3,
                ContentsEnd = close,
            };
            return Finish(node, close + 3);
        }

        // Where ">>" closes a target body starting at p, or null.
        private int? TargetBody(int p)
        {
            ReadOnlySpan<byte> t = T;
            if (p >= end || t[p] is (byte)'<' or (byte)'>' or (byte)'\n' or (byte)'\r' or (byte)' ' or (byte)'\t') return null;
            int q = p;
            while (q < end && t[q] is not ((byte)'<' or (byte)'>' or (byte)'\n' or (byte)'\r')) q++;
            if (!StartsWith(q, ">>"u8)) return null;
            return t[q - 1] is (byte)' ' or (byte)'\t' ? null : q;
        }

        // ---- Citations -------------------------------------------------------------------------

        // org-element-citation-parser: "[cite" ["/" STYLE] ":" and blanks, at least one key before
        // the matching "]"; a common prefix ends at the ";" before the first key, a common suffix
        // starts at the last ";" when no key follows it.
        private OrgNode? Citation(int p)
        {
            ReadOnlySpan<byte> t = T;
            int q = p + "[cite".Length;
            TextRange style = TextRange.None;
            if (t[q] == '/')
            {
                int styleBegin = ++q;
                while (q < end && (t[q] is (byte)'/' or (byte)'_' or (byte)'-' || EmacsCharClass.IsAlnum(At(q)))) q += CharLength(t, q, end);
                if (q == styleBegin) return null;
                style = TextRange.FromBounds(styleBegin, q);
            }
            if (!(q < end && t[q] == ':')) return null;
            q++;
            while (q < end && t[q] is (byte)' ' or (byte)'\t' or (byte)'\n') q++;
            int start = q;
            int close = Balanced(p, (byte)'[', (byte)']', int.MaxValue);
            if (close < 0 || !FindCitationKey(start, close, out _, out int firstKeyEnd)) return null;

            int prefixEnd = t[start..firstKeyEnd].LastIndexOf((byte)';');
            int contentsBegin = prefixEnd < 0 ? start : start + prefixEnd + 1;
            TextRange prefix = prefixEnd > 0 ? new TextRange(start, prefixEnd) : TextRange.None;

            int last = close;
            while (last > firstKeyEnd && t[last - 1] is (byte)' ' or (byte)'\r' or (byte)'\t' or (byte)'\n') last--;
            int suffixSemicolon = t[firstKeyEnd..last].LastIndexOf((byte)';');
            int contentsEnd = last;
            TextRange suffix = TextRange.None;
            if (suffixSemicolon >= 0 && !FindCitationKey(firstKeyEnd + suffixSemicolon, last, out _, out _))
            {
                contentsEnd = firstKeyEnd + suffixSemicolon + 1;
                if (contentsEnd < last) suffix = TextRange.FromBounds(contentsEnd, last);
            }
            var cite = new OrgCitationNode(tree, OrgNodeType.Citation, p, 0, style, prefix, suffix)
            {
                ContentsBegin = contentsBegin,
                ContentsEnd = contentsEnd,
            };
            return Finish(cite, close + 1);
        }

        // org-element-citation-reference-parser: [prefix] "@KEY" [suffix] up to and with the next ";".
        public OrgCitationNode? CitationReference(int p)
        {
            if (!FindCitationKey(p, end, out int keyBegin, out int keyEnd)) return null;
            int separator = T[keyEnd..end].IndexOf((byte)';');
            int refEnd = separator < 0 ? end : keyEnd + separator + 1;
            int suffixEnd = separator < 0 ? end : refEnd - 1;
            var reference = new OrgCitationNode(tree, OrgNodeType.CitationReference, p, refEnd, TextRange.FromBounds(keyBegin + 1, keyEnd),
                keyBegin > p ? TextRange.FromBounds(p, keyBegin) : TextRange.None,
                keyEnd < suffixEnd ? TextRange.FromBounds(keyEnd, suffixEnd) : TextRange.None);
            return reference;
        }

        // org-element-citation-key-re, "@" then word characters or "-.:?!`'/*@+|(){}<>&_^$#%~", searched in [from, limit).
        private bool FindCitationKey(int from, int limit, out int keyBegin, out int keyEnd)
        {
            ReadOnlySpan<byte> t = T;
            for (int at = from; at < limit; at++)
            {
                if (t[at] != '@') continue;
                int q = at + 1;
                while (q < limit && IsKeyChar(q)) q += CharLength(t, q, end);
                if (q > limit) q = limit;
                if (q == at + 1) continue;
                (keyBegin, keyEnd) = (at, q);
                return true;
            }
            keyBegin = keyEnd = -1;
            return false;
        }

        private bool IsKeyChar(int q)
        {
            byte b = T[q];
            return b < 0x80 ? "-.:?!`'/*@+|(){}<>&_^$#%~"u8.Contains(b) || char.IsAsciiLetterOrDigit((char)b) : EmacsCharClass.IsWord(At(q));
        }

        // "@@\([-A-Za-z0-9]+\):" then the next "@@".
        private OrgNode? ExportSnippet(int p)
        {
            ReadOnlySpan<byte> t = T;
            int q = p + 2;
            while (q < end && (char.IsAsciiLetterOrDigit((char)t[q]) || t[q] == '-')) q++;
            if (q == p + 2 || !(q < end && t[q] == ':')) return null;
            int close = t[(q + 1)..end].IndexOf("@@"u8);
            if (close < 0) return null;
            close += q + 1;
            var node = new OrgValueNode(tree, OrgNodeType.ExportSnippet, p, 0, TextRange.FromBounds(p + 2, q), TextRange.FromBounds(q + 1, close));
            return Finish(node, close + 2);
        }

        // src_LANG[HEADERS]{BODY}.
        private OrgNode? InlineSrcBlock(int p)
        {
            if (!InlineCode(p, "src_"u8, (byte)'{', (byte)'}', out TextRange language, out TextRange parameters, out int open, out int close)) return null;
            var node = new OrgInlineCodeNode(tree, OrgNodeType.InlineSrcBlock, p, 0, language, parameters, TextRange.FromBounds(open + 1, close));
            return Finish(node, close + 1);
        }

        // call_NAME[INSIDE-HEADER](ARGUMENTS)[END-HEADER].
        private OrgNode? InlineBabelCall(int p)
        {
            if (!InlineCode(p, "call_"u8, (byte)'(', (byte)')', out TextRange name, out TextRange header, out int open, out int close)) return null;
            int after = close + 1;
            if (after < end && T[after] == '[' && Paired(after, (byte)'[', (byte)']') is int endHeader and >= 0) after = endHeader + 1;
            var node = new OrgInlineCodeNode(tree, OrgNodeType.InlineBabelCall, p, 0, name, header, TextRange.FromBounds(open + 1, close));
            return Finish(node, after);
        }

        // The shape both share: PREFIX at a word start, a NAME up to a blank or a bracket, an
        // optional "[...]", then a body between balanced OPEN and CLOSE.
        private bool InlineCode(int p, ReadOnlySpan<byte> prefix, byte open, byte close, out TextRange name, out TextRange header, out int bodyOpen, out int bodyClose)
        {
            ReadOnlySpan<byte> t = T;
            (name, header, bodyOpen, bodyClose) = (TextRange.None, TextRange.None, -1, -1);
            if (!StartsWith(p, prefix) || !IsWordStart(p)) return false;
            int q = p + prefix.Length;
            while (q < end && t[q] != ' ' && t[q] != '\t' && t[q] != '\n' && t[q] != '[' && t[q] != open) q++;
            if (q == p + prefix.Length || q >= end) return false;
            name = TextRange.FromBounds(p + prefix.Length, q);
            if (t[q] == '[')
            {
                int headerClose = Paired(q, (byte)'[', (byte)']');
                if (headerClose < 0) return false;
                header = TextRange.FromBounds(q + 1, headerClose);
                q = headerClose + 1;
            }
            if (!(q < end && t[q] == open)) return false;
            bodyOpen = q;
            bodyClose = Paired(q, open, close);
            return bodyClose >= 0;
        }

        // scan-lists over one kind of bracket: the matching closer of the opener at p, or -1.
        private int Paired(int p, byte open, byte close) => Balanced(p, open, close, int.MaxValue);

        // ---- Timestamps ------------------------------------------------------------------------

        private OrgNode? Timestamp(int p)
        {
            ReadOnlySpan<byte> t = T;
            bool active = t[p] == '<';
            bool diary = active && IsDiaryStamp(p);
            if (!diary && !IsTimestampStart(p)) return null;
            // "\([<[]\(%%\)?.*?\)[]>]\(?:--\([<[].*?[]>]\)\)?".
            int close = ClosingBracket(p + 1);
            if (close < 0) return null;
            int after = close + 1;
            if (StartsWith(after, "--"u8) && after + 2 < end && t[after + 2] is (byte)'<' or (byte)'[' && ClosingBracket(after + 3) is int second and >= 0)
            {
                after = second + 1;
            }
            var raw = TextRange.FromBounds(p, after);
            OrgTimestampNode node;
            if (diary)
            {
                node = new OrgTimestampNode(tree, p, 0, raw, OrgTimestampKind.Diary, null, null);
                return Finish(node, after);
            }
            // org-element-timestamp-parser: the first stamp with its brackets, the second one if any.
            ReadOnlySpan<byte> first = t[p..(close + 1)];
            ReadOnlySpan<byte> secondStamp = after > close + 1 ? t[(close + 3)..after] : default;
            if (!TryParseTimeString(first, out OrgTimestampDate start)) return null;
            OrgTimestampDate stop = start;
            bool timeRange = TryFindTimeRange(first, out int endHour, out int endMinute);
            if (secondStamp.Length > 0 && TryParseTimeString(secondStamp, out OrgTimestampDate secondDate))
            {
                stop = secondDate with { Hour = secondDate.Hour ?? (timeRange ? endHour : start.Hour), Minute = secondDate.Minute ?? (timeRange ? endMinute : start.Minute) };
            }
            else if (timeRange)
            {
                stop = start with { Hour = endHour, Minute = endMinute };
            }
            bool range = secondStamp.Length > 0 || timeRange;
            OrgTimestampKind kind = active
                ? (range ? OrgTimestampKind.ActiveRange : OrgTimestampKind.Active)
                : (range ? OrgTimestampKind.InactiveRange : OrgTimestampKind.Inactive);
            node = new OrgTimestampNode(tree, p, 0, raw, kind, start, stop);
            return Finish(node, after);
        }

        // org-parse-time-string (with NODEFAULT) over org-ts-regexp0: the first "YYYY-MM-DD", an
        // optional day name (" +" and no digits, blanks or "]+->"), an optional " +H:MM" or " +HH:MM".
        private static bool TryParseTimeString(ReadOnlySpan<byte> s, out OrgTimestampDate date)
        {
            date = default;
            for (int i = 0; i + 10 <= s.Length; i++)
            {
                if (!IsDate(s[i..])) continue;
                int q = i + 10;
                int r = SkipSpaces(s, q);
                if (r > q)
                {
                    int name = r;
                    while (r < s.Length && s[r] is not ((byte)']' or (byte)'+' or (byte)'>' or (byte)'\r' or (byte)'\n' or (byte)' ' or (byte)'-') && !char.IsAsciiDigit((char)s[r])) r++;
                    if (r > name) q = r;
                }
                int? hour = null, minute = null;
                r = SkipSpaces(s, q);
                if (r > q)
                {
                    int digits = r;
                    while (r < s.Length && r - digits < 2 && char.IsAsciiDigit((char)s[r])) r++;
                    // \{1,2\} then ":": two digits, or one when the second is not followed by ":".
                    if (r - digits == 2 && !(r < s.Length && s[r] == ':')) r--;
                    if (r > digits && r + 2 < s.Length + 0 && s[r] == ':' && char.IsAsciiDigit((char)s[r + 1]) && char.IsAsciiDigit((char)s[r + 2]))
                    {
                        hour = Number(s[digits..r]);
                        minute = Number(s[(r + 1)..(r + 3)]);
                    }
                }
                date = new OrgTimestampDate(Number(s[i..(i + 4)]), Number(s[(i + 5)..(i + 7)]), Number(s[(i + 8)..(i + 10)]), hour, minute);
                return true;
            }
            return false;

            static bool IsDate(ReadOnlySpan<byte> d)
            {
                for (int k = 0; k < 10; k++)
                {
                    if (k is 4 or 7 ? d[k] != '-' : !char.IsAsciiDigit((char)d[k])) return false;
                }
                return true;
            }
        }

        // "[012]?[0-9]:[0-5][0-9]\(-\([012]?[0-9]\):\([0-5][0-9]\)\)": the end of a time range, searched.
        private static bool TryFindTimeRange(ReadOnlySpan<byte> s, out int hour, out int minute)
        {
            hour = minute = 0;
            for (int i = 0; i < s.Length; i++)
            {
                if (!char.IsAsciiDigit((char)s[i])) continue;
                // The start "[012]?[0-9]:[0-5][0-9]" at i (one or two digits).
                int colon = i + 1 < s.Length && s[i + 1] == ':' ? i + 1 : (s[i] is >= (byte)'0' and <= (byte)'2' && i + 2 < s.Length && char.IsAsciiDigit((char)s[i + 1]) && s[i + 2] == ':' ? i + 2 : -1);
                if (colon < 0 || !IsMinutes(s, colon + 1) || !(colon + 3 < s.Length && s[colon + 3] == '-')) continue;
                int h = colon + 4;
                int c2 = h < s.Length && char.IsAsciiDigit((char)s[h]) && h + 1 < s.Length && s[h + 1] == ':' ? h + 1
                    : (h + 2 < s.Length && s[h] is >= (byte)'0' and <= (byte)'2' && char.IsAsciiDigit((char)s[h + 1]) && s[h + 2] == ':' ? h + 2 : -1);
                if (c2 < 0 || !IsMinutes(s, c2 + 1)) continue;
                hour = Number(s[h..c2]);
                minute = Number(s[(c2 + 1)..(c2 + 3)]);
                return true;
            }
            return false;

            static bool IsMinutes(ReadOnlySpan<byte> s, int m) => m + 1 < s.Length && s[m] is >= (byte)'0' and <= (byte)'5' && char.IsAsciiDigit((char)s[m + 1]);
        }

        private static int SkipSpaces(ReadOnlySpan<byte> s, int i)
        {
            while (i < s.Length && s[i] == ' ') i++;
            return i;
        }

        private static int Number(ReadOnlySpan<byte> digits)
        {
            int n = 0;
            foreach (byte b in digits) n = n * 10 + (b - '0');
            return n;
        }

        // "<%%(" S ")>" with S at least one character and no ">" or newline before the ">".
        private bool IsDiaryStamp(int p)
        {
            if (!StartsWith(p, "<%%("u8)) return false;
            int q = p + 4;
            while (q < end && T[q] is not ((byte)'>' or (byte)'\n')) q++;
            return q < end && T[q] == '>' && q >= p + 6 && T[q - 1] == ')';
        }

        // org-element--timestamp-regexp, without the diary form: "[[<]YYYY-MM-DD( .*?)?[]>]", or
        // an active stamp with a repeater and no space after the date.
        private bool IsTimestampStart(int p)
        {
            ReadOnlySpan<byte> t = T;
            int d = p + 1;
            if (end - d < 11) return false;
            for (int i = 0; i < 10; i++)
            {
                bool dash = i is 4 or 7;
                if (dash ? t[d + i] != '-' : !char.IsAsciiDigit((char)t[d + i])) return false;
            }
            return t[d + 10] is (byte)' ' or (byte)']' or (byte)'>';
        }

        // The first ']' or '>' on the line from p: ".*?[]>]".
        private int ClosingBracket(int p)
        {
            ReadOnlySpan<byte> t = T;
            for (int q = p; q < end && t[q] != '\n'; q++)
            {
                if (t[q] is (byte)']' or (byte)'>') return q;
            }
            return -1;
        }

        // ---- Links -----------------------------------------------------------------------------

        private OrgNode? Link(int p)
        {
            ReadOnlySpan<byte> t = T;
            if (StartsWith(p, "[["u8)) return BracketLink(p);
            if (t[p] == '<') return AngleLink(p);
            return PlainLink(p);
        }

        // org-link-bracket-re: "[[" URI "]" ("[" DESCRIPTION "]")? "]".
        private OrgNode? BracketLink(int p)
        {
            ReadOnlySpan<byte> t = T;
            int q = p + 2;
            while (q < end)
            {
                byte c = t[q];
                if (c == '\\')
                {
                    int r = q;
                    while (r < end && t[r] == '\\') r++;
                    q = r < end && t[r] is (byte)'[' or (byte)']' ? ((r - q) % 2 == 1 ? r + 1 : r) : r;
                    continue;
                }
                if (c is (byte)'[' or (byte)']') break;
                q++;
            }
            if (q == p + 2 || q >= end || t[q] != ']') return null;
            var uri = TextRange.FromBounds(p + 2, q);
            int after;
            int contentsBegin = -1, contentsEnd = -1;
            if (q + 1 < end && t[q + 1] == ']') after = q + 2;
            else if (q + 1 < end && t[q + 1] == '[')
            {
                int close = t[(q + 2)..end].IndexOf("]]"u8);
                if (close <= 0) return null;
                contentsBegin = q + 2;
                contentsEnd = q + 2 + close;
                after = contentsEnd + 2;
            }
            else return null;

            string raw = Unescape(CollapseNewlines(uri.GetString(t), " "));
            string type, path;
            if (raw.StartsWith('/') || raw.StartsWith('~') || raw.StartsWith("./", StringComparison.Ordinal) || raw.StartsWith("../", StringComparison.Ordinal))
            {
                (type, path) = ("file", raw);
            }
            else if (ExplicitType(raw) is string explicitType)
            {
                (type, path) = (explicitType, raw[(explicitType.Length + 1)..]);
            }
            else if (raw.StartsWith('(') && raw.EndsWith(')'))
            {
                (type, path) = ("coderef", raw[1..^1]);
            }
            else if (raw.StartsWith('#'))
            {
                (type, path) = ("custom-id", raw[1..]);
            }
            else
            {
                (type, path) = ("fuzzy", raw);
            }
            (type, path) = FileLink(type, path);
            var link = new OrgLinkNode(tree, p, 0, OrgLinkFormat.Bracket, type, path, raw);
            if (contentsBegin >= 0)
            {
                link.ContentsBegin = contentsBegin;
                link.ContentsEnd = contentsEnd;
            }
            return Finish(link, after);
        }

        private static string? ExplicitType(string raw)
        {
            foreach (string type in LinkTypes)
            {
                if (raw.Length > type.Length && raw[type.Length] == ':' && raw.StartsWith(type, StringComparison.OrdinalIgnoreCase)) return raw[..type.Length];
            }
            return null;
        }

        // "file+APP:" is a file link opened with APP; "::search" is a search option, not part of the path.
        private static (string Type, string Path) FileLink(string type, string path)
        {
            if (!(type == "file" || type.StartsWith("file+", StringComparison.Ordinal))) return (type, path);
            int search = path.IndexOf("::", StringComparison.Ordinal);
            if (search >= 0) path = path[..search];
            // "\\`///*\\(.:\\)?/" becomes "\\1/".
            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                int s = 0;
                while (s < path.Length && path[s] == '/') s++;
                string drive = s + 1 < path.Length && path[s + 1] == ':' && s + 2 < path.Length && path[s + 2] == '/' ? path.Substring(s, 2) : "";
                // "//X:/" (a drive), or three or more slashes: the last one is the "/" kept.
                if (drive.Length > 0) path = drive + "/" + path[(s + 3)..];
                else if (s >= 3) path = "/" + path[s..];
            }
            return ("file", path);
        }

        // "[ \t]*\n[ \t]*" replaced.
        private static string CollapseNewlines(string s, string with)
        {
            if (!s.Contains('\n')) return s;
            var sb = new StringBuilder(s.Length);
            int i = 0;
            while (i < s.Length)
            {
                if (s[i] is ' ' or '\t' or '\r' or '\n')
                {
                    int j = i;
                    while (j < s.Length && s[j] is ' ' or '\t' or '\r') j++;
                    if (j < s.Length && s[j] == '\n')
                    {
                        j++;
                        while (j < s.Length && s[j] is ' ' or '\t') j++;
                        sb.Append(with);
                        i = j;
                        continue;
                    }
                }
                sb.Append(s[i++]);
            }
            return sb.ToString();
        }

        // org-link-unescape: a run of backslashes before a bracket or the end is halved.
        private static string Unescape(string s)
        {
            if (!s.Contains('\\')) return s;
            var sb = new StringBuilder(s.Length);
            int i = 0;
            while (i < s.Length)
            {
                if (s[i] != '\\')
                {
                    sb.Append(s[i++]);
                    continue;
                }
                int j = i;
                while (j < s.Length && s[j] == '\\') j++;
                bool escapes = j == s.Length || s[j] is '[' or ']';
                sb.Append('\\', escapes ? (j - i) / 2 : j - i);
                i = j;
            }
            return sb.ToString();
        }

        // org-link-angle-re: "<TYPE:PATH>", PATH without '>' on each line, a continued line starting
        // (after blanks) with a character other than '>'.
        private OrgNode? AngleLink(int p)
        {
            ReadOnlySpan<byte> t = T;
            int typeLength = LinkTypeAt(p + 1);
            if (typeLength < 0) return null;
            int pathStart = p + 2 + typeLength;
            int q = pathStart;
            while (true)
            {
                while (q < end && t[q] is not ((byte)'>' or (byte)'\n')) q++;
                if (q >= end) return null;
                if (t[q] == '>') break;
                int r = q + 1;
                while (r < end && t[r] is (byte)' ' or (byte)'\t') r++;
                if (r >= end || t[r] is (byte)'>' or (byte)'\n') return null;
                q = r;
            }
            int close = q;
            string type = Encoding.ASCII.GetString(t.Slice(p + 1, typeLength));
            string path = CollapseNewlines(TextRange.FromBounds(pathStart, close).GetString(t), "");
            string raw = TextRange.FromBounds(p + 1, close).GetString(t);
            (type, path) = FileLink(type, path);
            return Finish(new OrgLinkNode(tree, p, 0, OrgLinkFormat.Angle, type, path, raw), close + 1);
        }

        // org-link-plain-re: TYPE ":" then non-blank, non-bracket characters or (…) groups, ending
        // in a character that is not punctuation, a '/', or a (…) group.
        private OrgNode? PlainLink(int p)
        {
            ReadOnlySpan<byte> t = T;
            int typeLength = LinkTypeAt(p);
            if (typeLength < 0) return null;
            int start = p + typeLength + 1;
            int q = start;
            int lastGood = -1;
            int atoms = 0;
            while (q < end)
            {
                byte c = t[q];
                if (c == '(')
                {
                    int close = ParenGroup(q);
                    if (close < 0) break;
                    q = close + 1;
                    atoms++;
                    if (atoms >= 2) lastGood = q;
                    continue;
                }
                if (c is (byte)'[' or (byte)']' or (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)')' or (byte)'<' or (byte)'>' or (byte)'\r') break;
                Rune r = EmacsCharClass.DecodeAt(t[q..end], out int n);
                q += Math.Max(1, n);
                atoms++;
                if (atoms >= 2 && (r.Value == '/' || !IsPunct(r))) lastGood = q;
            }
            if (lastGood < 0) return null;
            string type = Encoding.ASCII.GetString(t.Slice(p, typeLength));
            string path = TextRange.FromBounds(start, lastGood).GetString(t);
            string raw = TextRange.FromBounds(p, lastGood).GetString(t);
            (type, path) = FileLink(type, path);
            return Finish(new OrgLinkNode(tree, p, 0, OrgLinkFormat.Plain, type, path, raw), lastGood);
        }

        // "(" (X | "(" X* ")")* ")", X a character not in "][ \t\n()<>": the closer, or -1.
        private int ParenGroup(int p)
        {
            ReadOnlySpan<byte> t = T;
            int depth = 0;
            for (int q = p; q < end; q++)
            {
                byte c = t[q];
                if (c == '(')
                {
                    if (++depth > 2) return -1;
                }
                else if (c == ')')
                {
                    if (--depth == 0) return q;
                }
                else if (c is (byte)'[' or (byte)']' or (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'<' or (byte)'>') return -1;
            }
            return -1;
        }

        // [[:punct:]] in Emacs: ASCII punctuation and symbols; beyond ASCII, what is not a word character.
        private static bool IsPunct(Rune r)
        {
            if (r.IsAscii) return char.IsPunctuation((char)r.Value) || char.IsSymbol((char)r.Value);
            return !EmacsCharClass.IsWord(r);
        }
    }
}
