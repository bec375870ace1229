using BenchmarkDotNet.Attributes;
using OrgDispatch.Document;
using OrgDispatch.Queue;
using OrgDispatch.Stores;

namespace OrgDispatch.Benchmarks;

/// <summary>
/// Where a file-transport claim's time goes, one part at a time, on 1,000 and 10,000-task files:
/// parsing the document, building the task table, the whole transaction in memory (parse, table,
/// decide, edit), and writing the new file durably (temp file, fsync, rename, fsync of the folder).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[WarmupCount(3)]
[IterationCount(15)]
public class ClaimAnatomyBenchmarks
{
    private byte[] _bytes = [];
    private OrgDocument _document = null!;
    private FreshDispatchFile _file = null!;
    private string _text = "";
    private int _next;
    private IReadOnlyList<OrgTextEdit> _claimEdits = [];

    [Params(1_000, 10_000)]
    public int Tasks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _text = Inputs.DispatchFile(Tasks);
        _bytes = System.Text.Encoding.UTF8.GetBytes(_text);
        _document = OrgDocument.Parse(_bytes);
        _file = new FreshDispatchFile(Tasks);
        OrgHeadline task = _document.GetHeadline(Tasks / 2);
        _claimEdits = _document.Edit().SetTodoKeyword(task, "IN_PROGRESS").SetProperty(task, "CLAIMED_BY", "bench").ComputeEdits();
    }

    [GlobalCleanup]
    public void Cleanup() => _file.Dispose();

    /// <summary>The edits of one claim applied to the kept document (only that headline read again).</summary>
    [Benchmark]
    public int ApplyClaimEdits() => _document.ApplyEdits(_claimEdits).HeadlineCount;

    /// <summary>The same, then the task table brought up to date from the kept one.</summary>
    [Benchmark]
    public int ApplyClaimEditsAndUpdateTable()
    {
        TaskTable.For(_document, DispatchOptions.Default);
        OrgDocument next = _document.ApplyEdits(_claimEdits);
        return TaskTable.For(next, DispatchOptions.Default).Entries.Count;
    }

    [Benchmark]
    public int ParseDocument() => OrgDocument.Build(_bytes, null).HeadlineCount;

    [Benchmark]
    public int BuildTaskTable() => TaskTable.Build(_document, DispatchOptions.Default).Entries.Count;

    /// <summary>One claim on an in-memory store over the same text: all the CPU, none of the I/O.</summary>
    [Benchmark]
    public async Task<ClaimOutcome> ClaimInMemory()
    {
        var queue = new DispatchQueue(new InMemoryDispatchStore(_text));
        return (await queue.ClaimAsync(Inputs.TaskId(1 + (_next++ % Tasks)), "bench")).Outcome;
    }

    /// <summary>Writing the file as a change does: temp file, fsync, rename, fsync of the folder.</summary>
    [Benchmark]
    public void WriteDurably()
    {
        string tmp = _file.Path + ".bench.tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1))
        {
            fs.Write(_bytes);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, _file.Path, overwrite: true);
        FileDispatchStore.SyncDirectory(_file.Path);
    }
}
