using System.Text;
using BenchmarkDotNet.Attributes;
using OrgDispatch.Tree;
using Pidgin;
using static Pidgin.Parser;
using static Pidgin.Parser<char>;

namespace OrgDispatch.Benchmarks;

/// <summary>
/// Should the inline-object grammar be a parser-combinator grammar (Pidgin) or hand-written? Both
/// parse the same subset (the six emphasis markers with Org's border and PRE/POST rules, at most
/// one newline inside, and bracket links with an optional description) over every paragraph of
/// org-manual.org. The hand-written side is the library's own object parser limited to those
/// objects (it also reads angle and plain links, and parses emphasis contents recursively, so it
/// does more work); the Pidgin side works on the paragraphs already decoded to strings.
/// docs/architecture.md records the verdict.
/// </summary>
[MemoryDiagnoser]
public class ObjectGrammarBenchmarks
{
    private const OrgObjectParser.Restriction Subset = OrgObjectParser.Restriction.Bold | OrgObjectParser.Restriction.Italic
        | OrgObjectParser.Restriction.Underline | OrgObjectParser.Restriction.StrikeThrough | OrgObjectParser.Restriction.Code
        | OrgObjectParser.Restriction.Verbatim | OrgObjectParser.Restriction.Link;

    private OrgTree _tree = null!;
    private (int Begin, int End)[] _paragraphs = [];
    private string[] _paragraphTexts = [];

    [GlobalSetup]
    public void Setup()
    {
        _tree = OrgTree.Parse(Inputs.Load(Inputs.OrgManual));
        _paragraphs = Paragraphs(_tree.Root).Select(p => (p.ContentsBegin, p.ContentsEnd)).ToArray();
        _paragraphTexts = _paragraphs.Select(p => Encoding.UTF8.GetString(_tree.Source.Span[p.Begin..p.End])).ToArray();
        // Both sides must find about the same objects, or the comparison means nothing.
        int handWritten = HandWritten(), combinator = Pidgin();
        Console.WriteLine($"// objects found: hand-written {handWritten}, Pidgin {combinator}");
        if (Math.Abs(handWritten - combinator) > handWritten / 10) throw new InvalidOperationException("the two grammars disagree by more than 10%");
    }

    [Benchmark(Baseline = true)]
    public int HandWritten()
    {
        int n = 0;
        foreach (var (begin, end) in _paragraphs)
        {
            foreach (OrgNode o in OrgObjectParser.Parse(_tree, begin, end, Subset, radio: null))
            {
                if (o.Type != OrgNodeType.PlainText) n++;
            }
        }
        return n;
    }

    [Benchmark]
    public int Pidgin()
    {
        int n = 0;
        foreach (string text in _paragraphTexts)
        {
            foreach (Segment s in PidginObjects.Paragraph.ParseOrThrow(text))
            {
                if (s.Kind != '\0') n++;
            }
        }
        return n;
    }

    private static IEnumerable<OrgNode> Paragraphs(OrgNode node)
    {
        if (node.Type == OrgNodeType.Paragraph)
        {
            yield return node;
            yield break;
        }
        if (node.HoldsObjects) yield break;
        foreach (OrgNode child in node.Children)
        {
            foreach (OrgNode p in Paragraphs(child)) yield return p;
        }
    }

    /// <summary>One piece of a paragraph: an object (its marker, or 'L' for a link) or text ('\0').</summary>
    public readonly record struct Segment(char Kind, string Text);

    /// <summary>The subset as a Pidgin grammar.</summary>
    private static class PidginObjects
    {
        private static bool IsPre(char c) => c is '-' or '(' or '\'' or '"' or '{' || char.IsWhiteSpace(c);

        private static readonly Parser<char, Unit> Post =
            Lookahead(Token(c => c is '-' or '.' or ',' or ':' or '!' or '?' or ';' or '\'' or '"' or ')' or '}' or '[' || char.IsWhiteSpace(c)).IgnoreResult())
                .Or(End);

        private static Parser<char, Segment> Emphasis(char marker) =>
            Try(
                Char(marker)
                    .Then(Lookahead(Token(c => !char.IsWhiteSpace(c))))
                    .Then(Token(c => c != marker).Or(Try(Char(marker).Before(Not(Post)))).AtLeastOnceString())
                    .Before(Char(marker))
                    .Before(Post)
                    .Assert(body => !char.IsWhiteSpace(body[^1]) && body.Count(c => c == '\n') <= 1)
                    .Select(body => new Segment(marker, body)));

        private static readonly Parser<char, Segment> AnyEmphasis = OneOf(
            Emphasis('*'), Emphasis('/'), Emphasis('_'), Emphasis('+'), Emphasis('~'), Emphasis('='));

        private static readonly Parser<char, Segment> Link =
            Try(
                String("[[")
                    .Then(Token(c => c is not ('[' or ']')).AtLeastOnceString())
                    .Before(Try(String("][").Then(Token(c => c != ']').AtLeastOnceString())).Optional())
                    .Before(String("]]"))
                    .Select(target => new Segment('L', target)));

        // A PRE character may be followed by emphasis; any other character is text.
        private static readonly Parser<char, IEnumerable<Segment>> Step = OneOf(
            Link.Select(s => (IEnumerable<Segment>)[s]),
            Token(IsPre).Then(AnyEmphasis.Optional(), (pre, e) => e.HasValue ? (IEnumerable<Segment>)[new Segment('\0', pre.ToString()), e.Value] : [new Segment('\0', pre.ToString())]),
            Any.Select(c => (IEnumerable<Segment>)[new Segment('\0', c.ToString())]));

        public static readonly Parser<char, List<Segment>> Paragraph =
            AnyEmphasis.Optional().Then(Step.Many(), (first, rest) => (first.HasValue ? [first.Value] : Enumerable.Empty<Segment>()).Concat(rest.SelectMany(s => s)).ToList())
                .Before(End);
    }
}
