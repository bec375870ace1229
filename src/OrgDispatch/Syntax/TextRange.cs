namespace OrgDispatch.Syntax;

/// <summary>A range of bytes in the source text. A range whose <see cref="Start"/> is negative
/// is absent (for example a headline with no TODO keyword), which differs from a present but
/// empty range (a property with an empty value).</summary>
/// <param name="Start">Offset of the first byte, or -1 when absent.</param>
/// <param name="Length">Number of bytes.</param>
/// <remarks>Allocation-free; immutable and thread-safe.</remarks>
public readonly record struct TextRange(int Start, int Length)
{
    /// <summary>The absent range.</summary>
    public static TextRange None => new(-1, 0);

    /// <summary>Whether the range is present in the source.</summary>
    public bool IsPresent => Start >= 0;

    /// <summary>Offset just past the last byte.</summary>
    public int End => Start + Length;

    /// <summary>Slices the range out of <paramref name="source"/> (empty when absent).</summary>
    public ReadOnlySpan<byte> Of(ReadOnlySpan<byte> source) => Start < 0 ? default : source.Slice(Start, Length);

    /// <summary>The range of <paramref name="utf8Source"/> as a string (empty when absent); each invalid
    /// UTF-8 byte becomes one U+FFFD, as Emacs reads it.</summary>
    /// <param name="utf8Source">The text the range was read from.</param>
    /// <remarks>Allocates the string; the one place the parser's ranges become strings.</remarks>
    public string GetString(ReadOnlySpan<byte> utf8Source) => Text.Utf8Text.Decode(Of(utf8Source));

    internal static TextRange FromBounds(int start, int end) => new(start, end - start);
}
