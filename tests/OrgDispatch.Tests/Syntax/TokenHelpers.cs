using System.Buffers;
using System.Text;
using OrgDispatch.Syntax;

namespace OrgDispatch.Tests.Syntax;

internal sealed record Tok(OrgTokenKind Kind, string Text);

internal static class TokenHelpers
{
    public static List<Tok> Tokens(string text, OrgSyntaxOptions? options = null) => Tokens(Encoding.UTF8.GetBytes(text), options);

    public static List<Tok> Tokens(byte[] text, OrgSyntaxOptions? options = null)
    {
        var list = new List<Tok>();
        var reader = new OrgReader(text, options);
        while (reader.Read()) list.Add(new Tok(reader.TokenKind, Encoding.UTF8.GetString(reader.TokenSpan)));
        return list;
    }

    /// <summary>Reads every token and checks they tile the input: contiguous, non-empty, complete.</summary>
    public static void AssertTiles(ReadOnlySpan<byte> text, OrgSyntaxOptions? options = null)
    {
        var reader = new OrgReader(text, options);
        int expected = 0;
        int guard = text.Length + 2;
        while (reader.Read())
        {
            OrgToken t = reader.Token;
            if (t.Start != expected || t.End <= t.Start) throw new Xunit.Sdk.XunitException($"token {t.Kind} at {t.Start}..{t.End}, expected start {expected}");
            expected = t.End;
            if (--guard < 0) throw new Xunit.Sdk.XunitException("reader did not terminate");
        }
        Assert.Equal(text.Length, expected);
    }

    /// <summary>The input rebuilt from the tokens alone: each token's own bytes, in order.</summary>
    public static byte[] Reprint(ReadOnlySpan<byte> text, OrgSyntaxOptions? options = null)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>(text.Length + 1);
        var reader = new OrgReader(text, options);
        while (reader.Read()) output.Write(reader.TokenSpan);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The input rebuilt from the document's outline: the preamble, then each headline's line
    /// and section, in document order.</summary>
    public static byte[] Reprint(OrgDispatch.Document.OrgDocument doc, ReadOnlySpan<byte> source)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>(source.Length + 1);
        int preambleEnd = doc.Headlines.Count > 0 ? doc.GetHeadline(0).LineRange.Start : source.Length;
        output.Write(source[..preambleEnd]);
        foreach (OrgDispatch.Document.OrgHeadline h in doc.Headlines)
        {
            output.Write(h.LineRange.Of(source));
            output.Write(h.SectionRange.Of(source));
        }
        return output.WrittenSpan.ToArray();
    }

    public static string S(ReadOnlySpan<byte> source, TextRange r) => r.IsPresent ? Encoding.UTF8.GetString(r.Of(source)) : "<none>";
}
