namespace OrgDispatch.Tree;

/// <summary>
/// Converts byte offsets in UTF-8 Org text to positions as Emacs counts them in a buffer visiting
/// the file: 1-based, one per character (an invalid byte is one raw-byte character), a leading BOM
/// dropped, and a CRLF counted as one character when every line of the file ends in CRLF (Emacs
/// then decodes it as DOS text; otherwise the CR stays in the buffer as a character).
/// </summary>
/// <remarks>Built in one pass over the text; lookups are O(1). Immutable after construction.</remarks>
public sealed class EmacsPositions
{
    private readonly int[] _positions;

    /// <summary>Maps the positions of <paramref name="utf8"/>.</summary>
    public EmacsPositions(ReadOnlySpan<byte> utf8)
    {
        _positions = new int[utf8.Length + 1];
        bool dos = IsDos(utf8);
        int start = utf8.StartsWith("\uFEFF"u8) ? 3 : 0;
        int pos = 1;
        for (int i = 0; i < start; i++) _positions[i] = 1;
        int p = start;
        while (p < utf8.Length)
        {
            int length;
            if (utf8[p] < 0x80) length = 1;
            else
            {
                System.Buffers.OperationStatus status = System.Text.Rune.DecodeFromUtf8(utf8[p..], out _, out length);
                if (status != System.Buffers.OperationStatus.Done) length = 1; // a raw byte: one character
            }
            bool crOfCrlf = dos && utf8[p] == '\r' && p + 1 < utf8.Length && utf8[p + 1] == '\n';
            for (int k = 0; k < length; k++) _positions[p + k] = pos;
            if (!crOfCrlf) pos++;
            p += length;
        }
        _positions[utf8.Length] = pos;
    }

    /// <summary>Whether Emacs reads the text as DOS text: it has line ends and every one is a CRLF.</summary>
    public static bool IsDos(ReadOnlySpan<byte> utf8)
    {
        int lf = utf8.Count((byte)'\n');
        return lf > 0 && utf8.Count("\r\n"u8) == lf;
    }

    /// <summary>The Emacs position of the character at byte <paramref name="offset"/> (or of the end).</summary>
    public int this[int offset] => _positions[offset];
}
