using System.Numerics;
using System.Runtime.Intrinsics;
using System.Text;

namespace OrgDispatch.Text;

/// <summary>Turns UTF-8 source bytes into strings at the edge of the API, the way Emacs reads
/// them: each invalid byte becomes one U+FFFD.</summary>
internal static class Utf8Text
{
    /// <summary>Decodes UTF-8 to a string; each invalid byte becomes one U+FFFD, as Emacs reads it.</summary>
    /// <param name="utf8">The bytes.</param>
    public static string Decode(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty) return string.Empty;
        if (System.Text.Unicode.Utf8.IsValid(utf8)) return Encoding.UTF8.GetString(utf8);
        var sb = new StringBuilder(utf8.Length);
        while (!utf8.IsEmpty)
        {
            Rune r = EmacsCharClass.DecodeAt(utf8, out int n);
            sb.Append(r.ToString());
            utf8 = utf8[n..];
        }
        return sb.ToString();
    }

    /// <summary>Code points in valid UTF-8: the bytes that are not continuation bytes (10xxxxxx).</summary>
    internal static int CountCodePoints(ReadOnlySpan<byte> utf8) => utf8.Length - CountContinuationBytes(utf8);

    internal static int CountContinuationBytes(ReadOnlySpan<byte> utf8)
    {
        int count = 0, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // As signed bytes, continuation bytes 0x80..0xBF are exactly those below -64.
            var limit = Vector256.Create((sbyte)-64);
            ReadOnlySpan<sbyte> s = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(utf8);
            for (; i + Vector256<sbyte>.Count <= s.Length; i += Vector256<sbyte>.Count)
            {
                count += BitOperations.PopCount(Vector256.LessThan(Vector256.Create(s.Slice(i, Vector256<sbyte>.Count)), limit).ExtractMostSignificantBits());
            }
        }
        for (; i < utf8.Length; i++) count += (utf8[i] & 0xC0) == 0x80 ? 1 : 0;
        return count;
    }

    /// <summary>How many characters Emacs sees in <paramref name="utf8"/>: one per valid UTF-8 sequence,
    /// and one per byte that is not part of one (Emacs keeps such bytes as raw-byte characters).</summary>
    internal static int CountEmacsChars(ReadOnlySpan<byte> utf8)
    {
        if (System.Text.Unicode.Utf8.IsValid(utf8)) return CountCodePoints(utf8);
        int count = 0;
        while (!utf8.IsEmpty)
        {
            EmacsCharClass.DecodeAt(utf8, out int n);
            utf8 = utf8[n..];
            count++;
        }
        return count;
    }
}
