using System.Text;
using OrgDispatch.Text;

namespace OrgDispatch.Syntax;

// "Can this line open X?": one predicate per line kind, shared by classification and paragraph ends.
public ref partial struct OrgReader
{
    private readonly bool IsBulletEnd(int p, int lineEnd) => p == lineEnd || _text[p] is (byte)' ' or (byte)'\t';

    // A comment ("#") or fixed-width (":") marker: alone on the line, or followed by a space.
    private readonly bool IsLoneMarker(int i, int lineEnd) => i + 1 == lineEnd || _text[i + 1] == ' ';

    // After "#+": "BEGIN_NAME" gives the block's name (any case), else None.
    private readonly TextRange BlockBeginName(int j, int lineEnd) =>
        StartsWithIgnoreCase(j, lineEnd, "BEGIN_"u8) && j + 6 < lineEnd && !IsWhitespaceAt(j + 6, lineEnd, out _)
            ? TextRange.FromBounds(j + 6, TokenEnd(j + 6, lineEnd))
            : TextRange.None;

    private readonly bool IsClockLine(int i, int lineEnd) => StartsWithIgnoreCase(i, lineEnd, "CLOCK:"u8);

    // Only at the very start of the line.
    private readonly bool IsDiarySexp(int s, int lineEnd) => StartsWith(s, lineEnd, "%%("u8);

    // Where the list bullet at i ends ("-", "+", "*", "1." or "1)", then a blank or the line end), or -1.
    // That a star in the first column belongs to a headline, not a list, is the caller's rule.
    private readonly int BulletEnd(int i, int lineEnd)
    {
        byte c = _text[i];
        int b;
        if (c is (byte)'-' or (byte)'+' or (byte)'*')
        {
            b = i + 1;
        }
        else if (IsDigit(c))
        {
            b = i;
            while (b < lineEnd && IsDigit(_text[b])) b++;
            if (b == lineEnd || _text[b] is not ((byte)'.' or (byte)')')) return -1;
            b++;
        }
        else
        {
            return -1;
        }
        return IsBulletEnd(b, lineEnd) ? b : -1;
    }

    // "\begin{NAME}" closed by its "\end{NAME}" before the limit: where the environment ends, or -1.
    private readonly int ClosedLatexEnvironment(int s, int i, int lineEnd, int limit, out TextRange name)
    {
        name = LatexBeginName(i, lineEnd);
        return name.IsPresent ? FindLatexEnd(s, limit, name) : -1;
    }

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

    // "^[ \t]*\\begin{\([A-Za-z0-9*]+\)}".
    private readonly TextRange LatexBeginName(int i, int lineEnd)
    {
        if (!StartsWith(i, lineEnd, "\\begin{"u8)) return TextRange.None;
        int p = i + 7;
        while (p < lineEnd && (IsDigit(_text[p]) || IsAsciiLetter(_text[p]) || _text[p] == '*')) p++;
        return p > i + 7 && p < lineEnd && _text[p] == '}' ? TextRange.FromBounds(i + 7, p) : TextRange.None;
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
}
