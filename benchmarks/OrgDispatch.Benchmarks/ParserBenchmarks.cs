using BenchmarkDotNet.Attributes;
using OrgDispatch.Document;
using OrgDispatch.Syntax;
using OrgDispatch.Tree;

namespace OrgDispatch.Benchmarks;

/// <summary>Whole files parsed at each level, side by side with the reader they are built on: the
/// reader alone (the baseline), the outline document, the element tree, and the full syntax tree with
/// every object. Mirrors the allocation tests in tests/OrgDispatch.Tests (ReaderTests, TreeMemoryTests).</summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private byte[] _text = [];
    private OrgSyntaxOptions _options = OrgSyntaxOptions.Default;

    [Params(Inputs.OrgManual, Inputs.Dispatch10k)]
    public string File { get; set; } = Inputs.OrgManual;

    [GlobalSetup]
    public void Setup()
    {
        _text = Inputs.Load(File);
        _options = OrgInBufferSettings.Read(_text).Options;
    }

    /// <summary>The reader alone: every token of the file, with the file's TODO keywords.</summary>
    [Benchmark(Baseline = true)]
    public int Read()
    {
        var reader = new OrgReader(_text, _options);
        int n = 0;
        while (reader.Read()) n++;
        return n;
    }

    /// <summary>The vectorised newline count of the same bytes: the floor any line parser sits on.</summary>
    [Benchmark]
    public int CountLines() => _text.AsSpan().Count((byte)'\n');

    /// <summary>The document model: one pass that also collects the outline and in-buffer settings.
    /// Allocated = the model's own memory (the source array is taken over, not copied).</summary>
    [Benchmark]
    public int BuildDocument() => OrgDocument.Build(_text, null).HeadlineCount;

    /// <summary>The syntax tree's elements, no object parsed (objects are parsed on first access).</summary>
    [Benchmark]
    public int ElementTree() => CountElements(OrgTree.Parse(_text).Root);

    /// <summary>Every element and every object: what an exporter or a linter walks.</summary>
    [Benchmark]
    public int FullTree()
    {
        int n = 0;
        foreach (OrgNode _ in OrgTree.Parse(_text).Root.Descendants()) n++;
        return n;
    }

    private static int CountElements(OrgNode node)
    {
        int n = 1;
        if (node.HoldsObjects) return n;
        foreach (OrgNode child in node.Children) n += CountElements(child);
        return n;
    }
}
