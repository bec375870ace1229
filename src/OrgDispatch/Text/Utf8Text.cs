using System.Text;

namespace OrgDispatch.Text;

/// <summary>Turns UTF-8 source bytes into strings at the edge of the API, the way Emacs reads
/// them: each invalid byte becomes one U+FFFD.</summary>
public static class Utf8Text
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

}
