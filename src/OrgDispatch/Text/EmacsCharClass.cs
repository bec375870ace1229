using System.Text;

namespace OrgDispatch.Text;

/// <summary>
/// The character classes Org's regular expressions use, as Emacs 28 defines them in an Org
/// buffer. Tables were read off Emacs itself (<c>char-syntax</c> and <c>[[:alnum:]]</c> over
/// every code point); see docs/org-syntax.md.
/// </summary>
internal static class EmacsCharClass
{
    /// <summary><c>[[:alnum:]]</c>: Unicode letters, marks, decimal digits and letter numbers.</summary>
    public static bool IsAlnum(Rune r)
    {
        if (r.IsAscii)
        {
            uint v = (uint)r.Value;
            return (v - '0' <= 9) || ((v | 0x20) - 'a' <= 25);
        }
        switch (Rune.GetUnicodeCategory(r))
        {
            case System.Globalization.UnicodeCategory.UppercaseLetter:
            case System.Globalization.UnicodeCategory.LowercaseLetter:
            case System.Globalization.UnicodeCategory.TitlecaseLetter:
            case System.Globalization.UnicodeCategory.ModifierLetter:
            case System.Globalization.UnicodeCategory.OtherLetter:
            case System.Globalization.UnicodeCategory.NonSpacingMark:
            case System.Globalization.UnicodeCategory.SpacingCombiningMark:
            case System.Globalization.UnicodeCategory.EnclosingMark:
            case System.Globalization.UnicodeCategory.DecimalDigitNumber:
            case System.Globalization.UnicodeCategory.LetterNumber:
                return true;
            default:
                return false;
        }
    }

    /// <summary>Whitespace syntax (what <c>\s-</c> matches, and <c>\S-</c> excludes).</summary>
    public static bool IsWhitespace(Rune r)
    {
        int c = r.Value;
        return c switch
        {
            9 or 10 or 12 or 13 or 32 or 0xA0 or 0x202F or 0x205F or 0x3000 => true,
            >= 0x2000 and <= 0x200B => true,
            _ => false,
        };
    }

    /// <summary>Word syntax (<c>\w</c>, <c>[:word:]</c>).</summary>
    public static bool IsWord(Rune r)
    {
        int c = r.Value;
        if (c < 128)
        {
            return (uint)(c - '0') <= 9 || (uint)((c | 0x20) - 'a') <= 25 || c is '$' or '%' or '\'';
        }
        // Binary search the sorted table of non-word ranges.
        ReadOnlySpan<int> t = NonWordRanges;
        int lo = 0, hi = (t.Length / 2) - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (c < t[2 * mid]) hi = mid - 1;
            else if (c > t[(2 * mid) + 1]) lo = mid + 1;
            else return false;
        }
        return true;
    }

    /// <summary>Decodes one scalar at the start of <paramref name="s"/>; an invalid byte decodes
    /// as U+FFFD of length 1, as Emacs reads each invalid byte as one raw-byte character.</summary>
    public static Rune DecodeAt(ReadOnlySpan<byte> s, out int length)
    {
        byte b = s[0];
        if (b < 0x80)
        {
            length = 1;
            return new Rune(b);
        }
        if (Rune.DecodeFromUtf8(s, out Rune r, out int consumed) == System.Buffers.OperationStatus.Done)
        {
            length = consumed;
            return r;
        }
        length = 1;
        return Rune.ReplacementChar;
    }

    /// <summary>Whether a decoded scalar stands for an invalid byte (Emacs's raw-byte characters),
    /// not a real U+FFFD (which is three bytes long).</summary>
    public static bool IsRawByte(Rune r, int length) => length == 1 && r == Rune.ReplacementChar;

    // Inclusive [start, end] ranges of code points >= 128 that do NOT have word syntax in an
    // Org buffer under Emacs 28.2 (everything else above 127 is a word constituent).
    private static ReadOnlySpan<int> NonWordRanges =>
    [
        160, 164, 166, 177, 180, 180, 182, 182, 184, 184, 186, 191, 215, 215, 247, 247,
        711, 711, 713, 713, 720, 720, 728, 731, 733, 733, 900, 901, 1470, 1470, 1472, 1472,
        1475, 1475, 1478, 1478, 3631, 3631, 3647, 3647, 3654, 3654, 3663, 3663, 3674, 3675,
        3759, 3759, 3782, 3782, 3840, 3851, 3853, 3864, 3866, 3871, 3892, 3892, 3894, 3894,
        3896, 3903, 3967, 3967, 3973, 3973, 4030, 4047, 4961, 4968, 8192, 8230, 8239, 8287,
        8317, 8318, 8333, 8334, 8364, 8364, 8451, 8451, 8457, 8457, 8470, 8470, 8481, 8482,
        8531, 8532, 8539, 8542, 8592, 9295, 9312, 9326, 9332, 9397, 9472, 9547, 9618, 9618,
        9632, 9633, 9635, 9641, 9650, 9651, 9654, 9655, 9660, 9661, 9664, 9665, 9670, 9672,
        9675, 9675, 9678, 9681, 9711, 9711, 9733, 9734, 9742, 9743, 9756, 9756, 9758, 9758,
        9792, 9792, 9794, 9794, 9824, 9825, 9827, 9829, 9831, 9834, 9836, 9837, 9839, 9839,
        10088, 10093, 10096, 10101, 10214, 10219, 10627, 10648, 10748, 10749, 10752, 11263,
        11776, 11903, 12288, 12291, 12296, 12316, 12539, 12539, 12800, 12828, 12832, 12841,
        12896, 12923, 12926, 12927, 13184, 13188, 13192, 13258, 13263, 13264, 13267, 13267,
        13270, 13270, 13272, 13272, 13275, 13277, 43739, 43743, 64830, 64831, 65077, 65092,
        65113, 65118, 65281, 65295, 65307, 65312, 65339, 65344, 65371, 65381, 65504, 65507,
        65509, 65509, 129792, 130047,
    ];
}
