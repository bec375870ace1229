using BenchmarkDotNet.Attributes;
using OrgDispatch.Document;
using OrgDispatch.Syntax;

namespace OrgDispatch.Benchmarks;

/// <summary>Element-level parse of whole files. Mirrors the allocation tests in
/// tests/OrgDispatch.Tests (ReaderTests.Reading_allocates_nothing, DocumentMemoryTests).</summary>
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
}
