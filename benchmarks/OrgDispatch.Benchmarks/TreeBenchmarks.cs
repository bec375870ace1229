using BenchmarkDotNet.Attributes;
using OrgDispatch.Syntax;
using OrgDispatch.Tree;

namespace OrgDispatch.Benchmarks;

/// <summary>The whole syntax tree against the line reader it is built on, in one run: the reader
/// alone (the baseline, whose figures must not move), the element tree, and the full tree with every
/// object parsed. Throughput is the file's size over the median (docs/performance.md).</summary>
[MemoryDiagnoser]
public class TreeBenchmarks
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

    /// <summary>The reader alone: every token of the file.</summary>
    [Benchmark(Baseline = true)]
    public int Read()
    {
        var reader = new OrgReader(_text, _options);
        int n = 0;
        while (reader.Read()) n++;
        return n;
    }

    /// <summary>Every element, no object parsed (objects are parsed on first access).</summary>
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
