using System.Runtime.CompilerServices;
using System.Text;
using OrgDispatch.Text;

namespace OrgDispatch.Syntax;

// Byte-level scanning over the UTF-8 text: line ends, blanks, tokens and ASCII tests.
public ref partial struct OrgReader
{
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
}
