using System.Net.Sockets;
using System.Text;
using OrgDispatch.Framing;
using OrgDispatch.Hub;
using OrgDispatch.Lisp;
using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Framing;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Hub;

public sealed class HubTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Claims_through_the_hub_report_who_holds_the_task()
    {
        await using TestHub hub = await TestHub.StartAsync(tasks: 3);
        await using HubDispatchQueue queue = hub.Connect();

        Assert.Equal(3, (await queue.PollAsync("ann")).Count);
        ClaimResult claim = await queue.ClaimAsync("TASK-0001", "ann", TimeSpan.FromMinutes(15));
        Assert.Equal((ClaimOutcome.Claimed, "ann"), (claim.Outcome, claim.Holder));
        Assert.NotNull(claim.Task.Claim!.LeaseExpires);
        Assert.Equal(ClaimOutcome.AlreadyYours, (await queue.ClaimAsync("TASK-0001", "ann")).Outcome);
        ClaimResult other = await queue.ClaimAsync("TASK-0001", "bob");
        Assert.Equal((ClaimOutcome.ClaimedByOther, "ann"), (other.Outcome, other.Holder));
        Assert.Equal("TASK-0002", (await queue.NextAsync("bob"))?.Id);
    }

    [Fact]
    public async Task Every_move_through_the_hub_lands_in_the_file_as_a_direct_queue_reads_it()
    {
        await using TestHub hub = await TestHub.StartAsync(tasks: 3);
        await using HubDispatchQueue queue = hub.Connect();
        await queue.ClaimAsync("TASK-0001", "ann");
        await queue.ClaimAsync("TASK-0002", "bob");

        Assert.Equal(TaskState.Done, (await queue.DoneAsync("TASK-0001", "ann", "merged \"it\" → main")).State);
        Assert.Equal(TaskState.Pending, (await queue.FailAsync("TASK-0002", "bob", "flaky")).State);
        Assert.Equal(TaskState.Skipped, (await queue.SkipAsync("TASK-0003", "ann")).State);
        ActivityEntry entry = await queue.AppendAsync("cy", "hello");
        Assert.Equal(("cy", "hello"), (entry.Agent, entry.Message));

        var direct = new DispatchQueue(new FileDispatchStore(hub.FilePath));
        Assert.Equal(await direct.GetTasksAsync(), await queue.GetTasksAsync(), new TaskComparer());
        DispatchStatus status = await queue.GetStatusAsync();
        Assert.True(status.Reachable);
        Assert.Equal(1, status.Counts[TaskState.Done]);
        Assert.Equal("hello", status.RecentActivity[^1].Message);
        Assert.Contains("merged \"it\" → main", await File.ReadAllTextAsync(hub.FilePath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_added_task_keeps_every_field_through_the_wire()
    {
        await using TestHub hub = await TestHub.StartAsync(tasks: 2);
        await using HubDispatchQueue queue = hub.Connect();

        DispatchTask added = await queue.AddAsync(new NewTask { Title = "New work", Agents = ["cy"], Priority = 'A', Deadline = new DateOnly(2026, 12, 1), BlockedBy = ["TASK-0002"] });

        Assert.Equal(("TASK-0003", "New work", (char?)'A'), (added.Id, added.Title, added.Priority));
        Assert.Equal(["cy"], added.Agents);
        Assert.Equal(["TASK-0002"], added.BlockedBy);
        Assert.Equal(new DateOnly(2026, 12, 1), added.Deadline!.Value.Date);
    }

    [Fact]
    public async Task Errors_come_back_as_the_queue_s_own_exceptions()
    {
        await using TestHub hub = await TestHub.StartAsync(tasks: 2);
        await using HubDispatchQueue queue = hub.Connect();
        await queue.ClaimAsync("TASK-0001", "ann");

        Assert.Equal("TASK-9999", (await Assert.ThrowsAsync<TaskNotFoundException>(() => queue.GetTaskAsync("TASK-9999"))).TaskId);
        var wrong = await Assert.ThrowsAsync<WrongHolderException>(() => queue.DoneAsync("TASK-0001", "bob", "x"));
        Assert.Equal("ann", wrong.Holder);
        Assert.Equal(DispatchErrorCodes.WrongHolder, wrong.Code);
        Assert.Equal("Cannot finish TASK-0001 as bob: it is held by ann.", wrong.Message);
        var illegal = await Assert.ThrowsAsync<IllegalTransitionException>(() => queue.ReleaseAsync("TASK-0002", "ann"));
        Assert.Equal(TaskState.Pending, illegal.State);
        Assert.Equal(TaskMove.Release, illegal.Move);
        await Assert.ThrowsAsync<ArgumentException>(() => queue.PollAsync("not a tag"));
    }

    [Fact]
    public async Task A_hub_serves_any_queue_even_another_hub_and_passes_its_events_on()
    {
        await using TestHub origin = await TestHub.StartAsync(tasks: 2);
        await using HubDispatchQueue upstream = origin.Connect();
        await using var relay = new HubServer(upstream, new HubServerOptions { Address = System.Net.IPAddress.Loopback, Port = 0 });
        await relay.StartAsync();
        await using var client = new HubClient(new HubClientOptions { Port = relay.LocalEndPoint.Port });
        await using HubDispatchQueue downstream = new(client, ownsClient: false);
        using var cts = new CancellationTokenSource(Wait);
        await client.ConnectAsync(cts.Token);
        Task<List<DispatchEvent>> events = CollectAsync(client, 1, cts.Token);
        await Task.Delay(200); // the subscription reaches both hubs

        // A change made at the origin, by someone else, reaches the relay's client as an event.
        await using HubDispatchQueue other = origin.Connect();
        await other.ClaimAsync("TASK-0002", "bob");
        DispatchEvent seen = Assert.Single(await events);
        Assert.Equal((DispatchEventKind.Claimed, "TASK-0002", "bob"), (seen.Kind, seen.TaskId, seen.Agent));

        // Requests through the relay are answered by the origin, with its errors' types and codes.
        Assert.Equal(ClaimOutcome.Claimed, (await downstream.ClaimAsync("TASK-0001", "ann")).Outcome);
        var wrong = await Assert.ThrowsAsync<WrongHolderException>(() => downstream.DoneAsync("TASK-0002", "ann", "x"));
        Assert.Equal("bob", wrong.Holder);
        Assert.Contains(":CLAIMED_BY: ann", await File.ReadAllTextAsync(origin.FilePath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hub_refuses_a_request_without_a_required_argument_and_changes_nothing()
    {
        await using TestHub hub = await TestHub.StartAsync(tasks: 1);
        await using var client = new HubClient(hub.ClientOptions);
        await client.RequestAsync(Sexp.Plist(("op", Sexp.String("claim")), ("task", Sexp.String("TASK-0001")), ("agent", Sexp.String("ann"))));
        string before = await File.ReadAllTextAsync(hub.FilePath);

        var e = await Assert.ThrowsAsync<ArgumentException>(() => client.RequestAsync(Sexp.Plist(("op", Sexp.String("done")), ("task", Sexp.String("TASK-0001")), ("agent", Sexp.String("ann")))));

        Assert.Equal("The done request needs :result.", e.Message);
        Assert.Equal(before, await File.ReadAllTextAsync(hub.FilePath));
    }

    [Fact]
    public async Task A_hub_client_that_stops_reading_events_is_ended_with_a_clear_error()
    {
        await using TestHub hub = await TestHub.StartAsync(tasks: 1);
        await using var client = new HubClient(hub.ClientOptions with { WatchBufferSize = 2 });
        await using HubDispatchQueue queue = new(client, ownsClient: false);
        using var cts = new CancellationTokenSource(Wait);
        await using IAsyncEnumerator<DispatchEvent> events = client.EventsAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        ValueTask<bool> first = events.MoveNextAsync();
        await queue.AppendAsync("ann", "first");
        Assert.True(await first); // the subscriber now holds its first event and reads no more

        for (int i = 0; i < 5; i++) await queue.AppendAsync("ann", $"message {i}");
        await Task.Delay(500); // the five events reach the client (loopback)

        Assert.True(await events.MoveNextAsync());
        Assert.True(await events.MoveNextAsync());
        await Assert.ThrowsAsync<DispatchEventsLostException>(async () => await events.MoveNextAsync());
    }

    [Fact]
    public async Task Every_change_is_broadcast_to_every_client()
    {
        await using TestHub hub = await TestHub.StartAsync(tasks: 2);
        await using HubDispatchQueue watcher1 = hub.Connect(), watcher2 = hub.Connect(), agent = hub.Connect();
        using var cts = new CancellationTokenSource(Wait);
        var seen1 = CollectAsync(watcher1.Client, 3, cts.Token);
        var seen2 = CollectAsync(watcher2.Client, 3, cts.Token);
        await watcher1.Client.ConnectAsync();
        await watcher2.Client.ConnectAsync();
        await WaitUntil(() => hub.Server.ClientCount == 2);

        await agent.ClaimAsync("TASK-0001", "ann");
        await agent.DoneAsync("TASK-0001", "ann", "ok");
        await agent.AppendAsync("ann", "all done");

        foreach (var seen in new[] { await seen1, await seen2 })
        {
            Assert.Equal([DispatchEventKind.Claimed, DispatchEventKind.Done, DispatchEventKind.Appended], seen.Select(e => e.Kind));
            Assert.Equal("TASK-0001", seen[0].TaskId);
            Assert.Equal("ann", seen[0].Task!.Claim!.Agent);
            Assert.Equal("ok", seen[1].Note);
            Assert.Equal("all done", seen[2].Activity!.Message);
        }
    }

    [Fact]
    public async Task A_token_is_required_and_checked()
    {
        await using TestHub hub = await TestHub.StartAsync(tasks: 1, new HubServerOptions { Token = "s3cret" });
        await using (HubDispatchQueue wrong = hub.Connect("guess"))
        {
            var e = await Assert.ThrowsAsync<HubRemoteException>(() => wrong.PollAsync("ann"));
            Assert.Equal("unauthorized", e.Code);
        }
        await using (HubDispatchQueue none = hub.Connect())
        {
            var e = await Assert.ThrowsAsync<HubRemoteException>(() => none.PollAsync("ann"));
            Assert.Equal("unauthorized", e.Code);
            Assert.Contains("needs authentication first", e.Message);
        }
        await using HubDispatchQueue right = hub.Connect("s3cret");
        Assert.Single(await right.PollAsync("ann"));
    }

    [Fact]
    public async Task Eval_is_refused_unless_enabled()
    {
        await using (TestHub hub = await TestHub.StartAsync(tasks: 1))
        {
            await using var client = new HubClient(hub.ClientOptions);
            var e = await Assert.ThrowsAsync<HubRemoteException>(() => client.RequestAsync(Sexp.Plist(("op", Sexp.String("eval")), ("expr", Sexp.String("(+ 1 2)")))));
            Assert.Equal("eval_disabled", e.Code);
        }
        var enabled = new HubServerOptions { AllowEval = true, Evaluator = (expr, _) => Task.FromResult<Sexp>(Sexp.String("evaluated " + expr)) };
        await using (TestHub hub = await TestHub.StartAsync(tasks: 1, enabled))
        {
            await using var client = new HubClient(hub.ClientOptions);
            Assert.Equal(Sexp.String("evaluated (+ 1 2)"), await client.RequestAsync(Sexp.Plist(("op", Sexp.String("eval")), ("expr", Sexp.String("(+ 1 2)")))));
        }
    }

    [Fact]
    public async Task Unknown_ops_and_bad_requests_are_answered_and_the_connection_stays()
    {
        await using TestHub hub = await TestHub.StartAsync(tasks: 1);
        await using var client = new HubClient(hub.ClientOptions);
        Assert.Equal("unknown_op", (await Assert.ThrowsAsync<HubRemoteException>(() => client.RequestAsync(Sexp.Plist(("op", Sexp.String("frobnicate")))))).Code);
        Assert.Contains(":agent", (await Assert.ThrowsAsync<ArgumentException>(() => client.RequestAsync(Sexp.Plist(("op", Sexp.String("poll")))))).Message);
        Assert.Contains(":lease must be", (await Assert.ThrowsAsync<ArgumentException>(() =>
            client.RequestAsync(Sexp.Plist(("op", Sexp.String("next")), ("agent", Sexp.String("a")), ("lease", Sexp.String("soon")))))).Message);
        Assert.Equal(Sexp.String("pong"), await client.RequestAsync(Sexp.Plist(("op", Sexp.String("ping")))));
    }

    [Fact]
    public async Task A_Common_Lisp_peer_is_answered_in_its_own_style()
    {
        await using TestHub hub = await TestHub.StartAsync(tasks: 1);
        using var socket = await RawConnectAsync(hub.Port);
        await SendRawAsync(socket, "(:TYPE :REQUEST :ID 5 :PAYLOAD (:OP \"claim\" :TASK \"TASK-0001\" :AGENT \"ann\" :LEASE 60))");
        string reply = await ReceiveRawAsync(socket, m => m.Contains(":RESPONSE"));
        Assert.StartsWith("(:TYPE :RESPONSE :ID 5 :PAYLOAD (:OK T :RESULT (:OUTCOME \"claimed\"", reply);
    }

    [Fact]
    public async Task A_malformed_frame_closes_that_connection_with_a_reason()
    {
        await using TestHub hub = await TestHub.StartAsync(tasks: 1);
        await using HubDispatchQueue good = hub.Connect();
        await good.PollAsync("ann");
        using var bad = await RawConnectAsync(hub.Port);
        await bad.SendAsync(Encoding.ASCII.GetBytes("(:type :request)\n"));
        string reason = await ReceiveRawAsync(bad, _ => true);
        Assert.Contains(":code \"protocol_error\"", reason);
        Assert.Contains("Bad frame header", reason);
        Assert.Equal(0, await bad.ReceiveAsync(new byte[16])); // closed
        Assert.Equal(ClaimOutcome.Claimed, (await good.ClaimAsync("TASK-0001", "ann")).Outcome);
    }

    [Fact]
    public async Task After_the_hub_stops_requests_fail_clearly_and_the_client_reconnects_to_a_new_hub()
    {
        TestHub hub = await TestHub.StartAsync(tasks: 3);
        int port = hub.Port;
        string text = await File.ReadAllTextAsync(hub.FilePath);
        await using HubDispatchQueue queue = new(hub.ClientOptions with { MaxConnectAttempts = 3, ReconnectDelay = TimeSpan.FromMilliseconds(50) });
        Assert.NotNull(await queue.NextAsync("ann"));
        await hub.DisposeAsync();
        var e = await Assert.ThrowsAsync<DispatchStoreException>(() => queue.PollAsync("ann"));
        Assert.Contains("after 3 attempts", e.Message);

        // A new hub on the same port: the same client object carries on.
        await using TestHub again = await TestHub.StartAsync(text: text, port: port);
        Assert.Equal("TASK-0001", (await queue.NextAsync("ann"))!.Id);
    }

    [Fact]
    public async Task An_unreachable_hub_is_a_clear_store_error_and_status_says_so()
    {
        int port = FreePort.Next();
        await using var queue = new HubDispatchQueue(new HubClientOptions { Port = port, MaxConnectAttempts = 2, ReconnectDelay = TimeSpan.FromMilliseconds(10) });
        var e = await Assert.ThrowsAsync<DispatchStoreException>(() => queue.PollAsync("ann"));
        Assert.Contains($"Cannot reach the hub at tcp://127.0.0.1:{port} after 2 attempts", e.Message);
        DispatchStatus status = await queue.GetStatusAsync();
        Assert.False(status.Reachable);
    }

    internal static async Task<List<DispatchEvent>> CollectAsync(HubClient client, int count, CancellationToken ct)
    {
        var seen = new List<DispatchEvent>();
        await foreach (DispatchEvent e in client.EventsAsync(ct))
        {
            seen.Add(e);
            if (seen.Count == count) break;
        }
        return seen;
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 400 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition(), "condition not met within 20 s");
    }

    internal static async Task<Socket> RawConnectAsync(int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        return socket;
    }

    internal static async Task SendRawAsync(Socket socket, string message) => await socket.SendAsync(FramingTests.Frame(message));

    /// <summary>Reads frames until one satisfies <paramref name="match"/>; bounded by 20 s.</summary>
    internal static async Task<string> ReceiveRawAsync(Socket socket, Func<string, bool> match)
    {
        using var cts = new CancellationTokenSource(Wait);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var reader = new HarnessFrameReader();
        var pipe = System.IO.Pipelines.PipeReader.Create(stream, new System.IO.Pipelines.StreamPipeReaderOptions(leaveOpen: true));
        while (true)
        {
            var result = await pipe.ReadAsync(cts.Token);
            var buffer = result.Buffer;
            while (reader.TryRead(ref buffer, out var payload))
            {
                string text = Encoding.UTF8.GetString(payload);
                if (match(text))
                {
                    pipe.AdvanceTo(buffer.Start);
                    await pipe.CompleteAsync();
                    return text;
                }
            }
            if (result.IsCompleted) throw new EndOfStreamException("the hub closed the connection first");
            pipe.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private sealed class TaskComparer : IEqualityComparer<IReadOnlyList<DispatchTask>>
    {
        public bool Equals(IReadOnlyList<DispatchTask>? x, IReadOnlyList<DispatchTask>? y) =>
            x!.Select(Key).SequenceEqual(y!.Select(Key));

        public int GetHashCode(IReadOnlyList<DispatchTask> obj) => obj.Count;

        private static string Key(DispatchTask t) =>
            $"{t.Id}|{t.Title}|{t.State}|{t.Priority}|{string.Join(",", t.Agents)}|{t.Claim?.Agent}|{t.Claim?.ClaimedAt}|{t.Claim?.LeaseExpires}|{t.Attempts}|{string.Join(",", t.BlockedBy)}|{t.Body}|{t.LineNumber}|{t.Deadline?.Date}|{string.Join(",", t.Properties.OrderBy(p => p.Key).Select(p => p.Key + "=" + p.Value))}";
    }
}
