using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrgDispatch.Cli.Commands;
using OrgDispatch.Document;
using OrgDispatch.Syntax;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Syntax;

/// <summary>Round-trip and robustness properties, checked by FsCheck from plain facts.</summary>
public sealed class RoundTripProperties
{
    [Property(MaxTest = 500, QuietOnSuccess = true)]
    public Property Generated_documents_print_back_from_their_tokens_and_their_outline() =>
        Prop.ForAll(OrgGenerators.DocumentArb, bytes =>
        {
            TokenHelpers.AssertTiles(bytes);
            Assert.Equal(bytes, TokenHelpers.Reprint(bytes));
            Assert.Equal(bytes, TokenHelpers.Reprint(OrgDocument.Parse(bytes), bytes));
            return true;
        });

    [Property(MaxTest = 500, QuietOnSuccess = true)]
    public Property Random_bytes_never_throw_and_always_round_trip() =>
        Prop.ForAll(OrgGenerators.BytesArb, bytes =>
        {
            TokenHelpers.AssertTiles(bytes);
            Assert.Equal(bytes, TokenHelpers.Reprint(bytes));
            OrgDocument doc = OrgDocument.Parse(bytes);
            OutlineCommand.WriteJson(doc, TextWriter.Null);
            foreach (OrgHeadline h in doc.Headlines)
            {
                _ = h.Planning;
                _ = h.Properties;
                _ = OrgTimestamp.Parse(h.Title);
            }
            Assert.Equal(bytes, doc.ToArray());
            return TokenHelpers.Reprint(doc, bytes).AsSpan().SequenceEqual(bytes);
        });

    [Property(MaxTest = 500, QuietOnSuccess = true)]
    public Property Document_outline_agrees_with_a_reader_walk() =>
        Prop.ForAll(OrgGenerators.DocumentArb, bytes =>
        {
            OrgDocument doc = OrgDocument.Parse(bytes);
            var starts = new List<int>();
            var reader = new OrgReader(bytes, doc.Options);
            while (reader.Read())
            {
                if (reader.TokenKind == OrgTokenKind.Headline) starts.Add(reader.Token.Start);
            }
            Assert.Equal(starts, doc.Headlines.Select(h => h.LineRange.Start));
            // Subtrees nest: every child lies inside its parent's subtree.
            foreach (OrgHeadline h in doc.Headlines)
            {
                if (h.Parent is { } p)
                {
                    Assert.True(p.SubtreeRange.Start < h.SubtreeRange.Start && h.SubtreeRange.End <= p.SubtreeRange.End);
                    Assert.True(p.Stars < h.Stars);
                }
            }
            return true;
        });

    [RequiresFact(Requirements.Corpus)]
    public void Corpus_files_round_trip()
    {
        foreach (string file in Directory.GetFiles(TestEnvironment.CorpusDirectory!, "*.org"))
        {
            byte[] bytes = File.ReadAllBytes(file);
            TokenHelpers.AssertTiles(bytes);
            Assert.Equal(bytes, TokenHelpers.Reprint(bytes));
            OrgDocument doc = OrgDocument.Parse(bytes);
            Assert.Equal(bytes, TokenHelpers.Reprint(doc, bytes));
            Assert.Equal(bytes, doc.ToArray());
        }
    }
}
