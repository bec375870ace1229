using BenchmarkDotNet.Attributes;
using OrgDispatch.Hub;
using OrgDispatch.Queue;
using OrgDispatch.Stores;

namespace OrgDispatch.Benchmarks;

/// <summary>
/// Claims through a real hub on loopback over a 1,000-task file, as <c>org-dispatch serve</c> runs
/// it (file transport with group commit): every reply is sent only after its change is on disk
/// (fsync). One client: round-trip latency per claim. 32 clients: claims per second is 1 / the time per claim.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[InvocationCount(1, 1)]
[WarmupCount(2)]
[IterationCount(15)]
public class HubBenchmarks
{
    private const int Tasks = 1_000;
    private const int Ops = 64;

    private FreshDispatchFile _file = null!;
    private BatchingDispatchStore _store = null!;
    private HubServer _server = null!;
    private HubDispatchQueue[] _clients = [];
    private int _next;

    [Params(1, 32)]
    public int Clients { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _file = new FreshDispatchFile(Tasks);
        _store = new BatchingDispatchStore(new FileDispatchStore(_file.Path));
        _server = new HubServer(new DispatchQueue(_store), new HubServerOptions { Port = 0 });
        _server.StartAsync().GetAwaiter().GetResult();
        _clients = Enumerable.Range(0, Clients).Select(_ => new HubDispatchQueue(new HubClientOptions { Port = _server.LocalEndPoint.Port })).ToArray();
        foreach (var c in _clients) c.Client.ConnectAsync().GetAwaiter().GetResult();
    }

    [IterationSetup]
    public void FreshFile()
    {
        _file.Reset();
        _next = 0;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var c in _clients) c.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _file.Dispose();
    }

    /// <summary>Each client claims distinct tasks by id, one request at a time, all clients at once.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Claim() =>
        Task.WhenAll(_clients.Select((q, c) => Task.Run(async () =>
        {
            for (int i = 0; i < Ops / Clients; i++)
            {
                ClaimResult r = await q.ClaimAsync(Inputs.TaskId(Interlocked.Increment(ref _next)), "agent" + c);
                if (r.Outcome != ClaimOutcome.Claimed) throw new InvalidOperationException($"claim came back {r.Outcome}");
            }
        })));
}
