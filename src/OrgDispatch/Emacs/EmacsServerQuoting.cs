using System.Text;

namespace OrgDispatch.Emacs;

/// <summary>The Emacs server protocol's argument quoting (server.el's <c>server-quote-arg</c> and
/// emacsclient's <c>quote_argument</c>): a request is one line of space-separated words, so a space
/// becomes <c>&amp;_</c>, a newline <c>&amp;n</c>, <c>&amp;</c> doubles, and a leading <c>-</c> becomes
/// <c>&amp;-</c> so the word is not taken for a command.</summary>
internal static class EmacsServerQuoting
{
    /// <summary>Quotes <paramref name="argument"/> for the request line.</summary>
    public static void Quote(StringBuilder output, string argument)
    {
        for (int i = 0; i < argument.Length; i++)
        {
            char c = argument[i];
            switch (c)
            {
                case ' ': output.Append("&_"); break;
                case '\n': output.Append("&n"); break;
                case '&': output.Append("&&"); break;
                case '-' when i == 0: output.Append("&-"); break;
                default: output.Append(c); break;
            }
        }
    }

    /// <summary>Undoes the quoting of a reply's argument, in UTF-8 bytes (the quoting is ASCII, so it
    /// never splits a character); <c>&amp;x</c> for any other x is x, as in emacsclient.</summary>
    public static void Unquote(ReadOnlySpan<byte> argument, List<byte> output)
    {
        for (int i = 0; i < argument.Length; i++)
        {
            byte b = argument[i];
            if (b == (byte)'&' && i + 1 < argument.Length)
            {
                byte next = argument[++i];
                output.Add(next switch
                {
                    (byte)'_' => (byte)' ',
                    (byte)'n' => (byte)'\n',
                    _ => next,
                });
            }
            else
            {
                output.Add(b);
            }
        }
    }
}
