using BenchmarkDotNet.Attributes;
using OrgDispatch.Queue;
using OrgDispatch.Stores;

namespace OrgDispatch.Benchmarks;

/// <summary>
/// Claim latency and throughput through the local-file transport (lock, read, check the kept
/// document, edit, write a temp file, fsync, rename, fsync the folder) on 100, 1,000 and 10,000-task
/// files, beside the same claims parsing the whole file each time.
/// Each iteration starts from a fresh file and makes <see cref="Ops"/> claims; the reported time is per claim.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[InvocationCount(1, 1)]
[WarmupCount(2)]
[IterationCount(15)]
public class QueueBenchmarks
{
    private const int Ops = 20;
    private const int Contenders = 4;

    private FreshDispatchFile _file = null!;
    private DispatchQueue _queue = null!;
    private DispatchQueue[] _contenders = [];
    private int _next;

    [Params(100, 1_000, 10_000)]
    public int Tasks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _file = new FreshDispatchFile(Tasks);
        _queue = new DispatchQueue(new FileDispatchStore(_file.Path));
        _contenders = Enumerable.Range(0, Contenders).Select(_ => new DispatchQueue(new FileDispatchStore(_file.Path))).ToArray();
    }

    [IterationSetup]
    public void FreshFile()
    {
        _file.Reset();
        _next = 1;
    }

    [GlobalCleanup]
    public void Cleanup() => _file.Dispose();

    /// <summary>One agent claims tasks by id, one after another.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public async Task ClaimById()
    {
        for (int i = 0; i < Ops; i++) await _queue.ClaimAsync(Inputs.TaskId(_next++), "bench");
    }

    /// <summary>The same claims with a new store each time, so nothing is kept between them: the whole
    /// file parsed and the task table built on every claim (what every claim cost before the kept document).</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public async Task ClaimByIdParsingEachTime()
    {
        for (int i = 0; i < Ops; i++) await new DispatchQueue(new FileDispatchStore(_file.Path)).ClaimAsync(Inputs.TaskId(_next++), "bench");
    }

    /// <summary>One agent takes the best ready task each time (poll and claim in one step).</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public async Task Next()
    {
        for (int i = 0; i < Ops; i++) await _queue.NextAsync("bench");
    }

    /// <summary>Four agents, each with its own store, call next at once; time per claim is the inverse of throughput.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public Task NextContended() =>
        Task.WhenAll(_contenders.Select((q, c) => Task.Run(async () =>
        {
            for (int i = 0; i < Ops / Contenders; i++) await q.NextAsync("agent" + c);
        })));
}
