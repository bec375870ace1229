using System.Net.Sockets;
using System.Text;
using OrgDispatch.Document;
using OrgDispatch.Framing;
using OrgDispatch.Hub;
using OrgDispatch.Lisp;
using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Framing;

namespace OrgDispatch.Tests.Hub;

/// <summary>Many real clients on real sockets: races, hostile input, clients that stop reading.</summary>
public sealed class HubStressTests
{
    [Fact]
    public async Task Thirty_two_clients_racing_claim_every_task_exactly_once()
    {
        const int Tasks = 320, Clients = 32;
        await using TestHub hub = await TestHub.StartAsync(tasks: Tasks);
        var queues = Enumerable.Range(0, Clients).Select(_ => hub.Connect()).ToArray();
        try
        {
            // Everyone at once for the same task: one winner, and the others are told who.
            ClaimResult[] same = await Task.WhenAll(queues.Select((q, i) => q.ClaimAsync("TASK-0001", $"agent{i}")));
            ClaimResult winner = Assert.Single(same, r => r.Outcome == ClaimOutcome.Claimed);
            Assert.All(same.Where(r => r != winner), r => Assert.Equal((ClaimOutcome.ClaimedByOther, winner.Holder), (r.Outcome, r.Holder)));

            // Then everyone takes tasks until none are left.
            var claimed = await Task.WhenAll(queues.Select(async (q, i) =>
            {
                var mine = new List<string>();
                for (int round = 0; round < Tasks; round++)
                {
                    DispatchTask? t = await q.NextAsync($"agent{i}");
                    if (t is null) break;
                    Assert.Equal($"agent{i}", t.Claim!.Agent);
                    mine.Add(t.Id);
                }
                return mine.Select(id => (id, agent: $"agent{i}")).ToList();
            }));
            var all = claimed.SelectMany(c => c).Append(("TASK-0001", winner.Holder!)).ToList();
            Assert.Equal(Tasks, all.Count);
            Assert.Equal(Tasks, all.Select(c => c.Item1).Distinct().Count());

            // The file agrees: each task held by the agent that was told it won, with one claim note.
            var onDisk = await new DispatchQueue(new FileDispatchStore(hub.FilePath)).GetTasksAsync();
            var holders = onDisk.ToDictionary(t => t.Id, t => t.Claim?.Agent);
            Assert.All(all, c => Assert.Equal(c.Item2, holders[c.Item1]));
            string text = await File.ReadAllTextAsync(hub.FilePath);
            Assert.Equal(Tasks, text.Split("State \"IN_PROGRESS\"").Length - 1);
            Assert.Equal(text, OrgDocument.Parse(text).ToString());
        }
        finally
        {
            foreach (var q in queues) await q.DisposeAsync();
        }
    }

    [Fact]
    public async Task Garbage_from_many_connections_does_not_disturb_well_behaved_clients()
    {
        const int Tasks = 120;
        var options = new HubServerOptions { MaxQueuedBytes = 256 * 1024, SocketSendBufferSize = 8 * 1024, Framing = new HarnessFramingOptions { MaxMessageLength = 64 * 1024 } };
        await using TestHub hub = await TestHub.StartAsync(tasks: Tasks, options);
        long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        // A client that sends one request and then never reads: it must be dropped, not waited for.
        using Socket sleeper = new(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 1024 };
        await sleeper.ConnectAsync("127.0.0.1", hub.Port);
        await HubTests.SendRawAsync(sleeper, "(:type :request :id 1 :payload (:op \"ping\"))");

        using var stop = new CancellationTokenSource();
        Task<int>[] attackers = Enumerable.Range(0, 6).Select(seed => Task.Run(() => AttackAsync(hub.Port, seed, stop.Token))).ToArray();

        var good = Enumerable.Range(0, 4).Select(_ => hub.Connect()).ToArray();
        var done = await Task.WhenAll(good.Select(async (q, i) =>
        {
            var mine = new List<string>();
            for (int round = 0; round < Tasks; round++)
            {
                DispatchTask? t = await q.NextAsync($"good{i}");
                if (t is null) break;
                await q.DoneAsync(t.Id, $"good{i}", "ok");
                mine.Add(t.Id);
            }
            return mine;
        }));
        // Large events (30 KB each, 900 KB in all) that a reading client takes in its stride.
        for (int i = 0; i < 30; i++) await good[0].AppendAsync("good0", new string('x', 30_000));
        await stop.CancelAsync();
        int attacks = (await Task.WhenAll(attackers)).Sum();

        Assert.True(attacks >= 60, $"only {attacks} hostile connections were made");
        Assert.Equal(Tasks, done.Sum(d => d.Count));
        Assert.Equal(Tasks, done.SelectMany(d => d).Distinct().Count());
        var onDisk = await new DispatchQueue(new FileDispatchStore(hub.FilePath)).GetTasksAsync();
        Assert.All(onDisk, t => Assert.Equal(TaskState.Done, t.State));

        // The sleeper was cut off: draining its socket ends (EOF or reset) instead of blocking.
        Assert.True(await DrainsToEndAsync(sleeper, TimeSpan.FromSeconds(20)), "the client that stopped reading was not dropped");
        foreach (var q in good) await q.DisposeAsync();
        await HubTests.WaitUntil(() => hub.Server.ClientCount == 0);
        long growth = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
        Assert.True(growth < 32 * 1024 * 1024, $"memory grew by {growth / 1024} KiB");

        // Still serving.
        await using HubDispatchQueue late = hub.Connect();
        Assert.Equal(Tasks, (await late.GetTasksAsync()).Count);
    }

    [Fact]
    public async Task Stopping_answers_a_request_under_way_before_closing()
    {
        var release = new TaskCompletionSource<Sexp>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new HubServerOptions { AllowEval = true, Evaluator = (_, _) => { started.TrySetResult(); return release.Task; } };
        TestHub hub = await TestHub.StartAsync(tasks: 1, options);
        await using var client = new HubClient(hub.ClientOptions with { MaxConnectAttempts = 1 });
        Task<Sexp> slow = client.RequestAsync(Sexp.Plist(("op", Sexp.String("eval")), ("expr", Sexp.String("(sleep-for 1)"))));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Task stopping = hub.DisposeAsync().AsTask();
        await Task.Delay(100);
        Assert.False(stopping.IsCompleted, "the hub stopped with a request under way");
        release.SetResult(Sexp.String("finished"));
        Assert.Equal(Sexp.String("finished"), await slow.WaitAsync(TimeSpan.FromSeconds(20)));
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
        await Assert.ThrowsAsync<DispatchStoreException>(() => client.RequestAsync(Sexp.Plist(("op", Sexp.String("ping")))));
    }

    /// <summary>Opens connections one after another and sends each one kind of bad input; returns how many.</summary>
    private static async Task<int> AttackAsync(int port, int seed, CancellationToken stop)
    {
        var random = new Random(seed);
        int count = 0;
        for (; count < 200 && !stop.IsCancellationRequested; count++)
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync("127.0.0.1", port);
            byte[] bytes = (count % 8) switch
            {
                0 => RandomBytes(random, random.Next(1, 400)),
                1 => Encoding.ASCII.GetBytes("zz0010(:type :request)"),                    // bad hex
                2 => Encoding.ASCII.GetBytes("FFFFFF(:type"),                              // over the limit
                3 => Encoding.ASCII.GetBytes("000050(:type :request :id 1"),               // truncated, then closed
                4 => FramingTests.Frame("(:type :request :id 1 :payload (:op \"claim\" :task"),          // not an s-expression
                5 => FramingTests.Frame(new string('(', 5000) + new string(')', 5000)),                 // too deep
                6 => [.. Encoding.ASCII.GetBytes("000003"), 0xFF, 0xFE, 0x80],             // invalid UTF-8
                _ => FramingTests.Frame("(:type :request :id 9 :payload (:op \"claim\" :task \"TASK-0001\" :agent \"bad agent\"))"), // a bad request
            };
            try
            {
                await socket.SendAsync(bytes);
                socket.Shutdown(SocketShutdown.Send);
                var sink = new byte[4096];
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                while (await socket.ReceiveAsync(sink, cts.Token) > 0) { }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // The hub may reset a connection it closed on us; that is fine.
            }
        }
        return count;
    }

    private static byte[] RandomBytes(Random random, int n)
    {
        var b = new byte[n];
        random.NextBytes(b);
        return b;
    }

    private static async Task<bool> DrainsToEndAsync(Socket socket, TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        var sink = new byte[64 * 1024];
        try
        {
            while (await socket.ReceiveAsync(sink, cts.Token) > 0) { }
            return true;
        }
        catch (SocketException)
        {
            return true; // reset by the hub
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
