using OrgDispatch.Emacs;
using OrgDispatch.Lisp;
using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Emacs;

/// <summary>The Emacs transport against a real daemon: the queue works on the live buffer, through
/// the daemon's socket and, the same suite, through a real sshd on 127.0.0.1.</summary>
public sealed class EmacsStoreTests
{
    internal static readonly DateTimeOffset Start = new(2026, 11, 21, 10, 30, 0, TimeSpan.Zero);

    // Multibyte text before the tasks, so character positions differ from bytes and UTF-16 units.
    internal static readonly string Text = DispatchFiles.Header.Replace("Test dispatch", "Dispatch 😀 café →", StringComparison.Ordinal)
        + "Notes: ünïcödé 日本語 𝄞\n\n" + DispatchFiles.Pending(6, "timmy", "ezra")[DispatchFiles.Header.Length..];

    internal static async Task<string> BufferTextAsync(EmacsDaemon emacs, string path) =>
        ((SexpString)(await emacs.Client.EvaluateAsync(
            $"(with-current-buffer (find-buffer-visiting {EmacsDispatchStore.LispString(path)}) (save-restriction (widen) (buffer-substring-no-properties (point-min) (point-max))))")).Read()).Value;

    internal static Task<EmacsResult> InBufferAsync(EmacsDaemon emacs, string path, string body) =>
        emacs.Client.EvaluateAsync($"(with-current-buffer (find-file-noselect {EmacsDispatchStore.LispString(path)}) {body})");

    internal static DispatchQueue Queue(IDispatchStore store, ManualClock clock) =>
        new(store, new DispatchOptions { TimeProvider = clock, MaxAttempts = 2 });

    // The same script of moves, for any store.
    internal static async Task<List<string>> RunScriptAsync(DispatchQueue q, ManualClock clock)
    {
        var results = new List<string>();
        void Note(object? o) => results.Add(o?.ToString() ?? "null");
        Note((await q.AddAsync(new NewTask { Title = "Translate → 日本語 😀", Agents = ["ezra"], Body = "Be literal." })).Id);
        Note((await q.ClaimAsync("TASK-0002", "timmy", TimeSpan.FromMinutes(15))).Outcome);
        clock.Now += TimeSpan.FromMinutes(5);
        Note((await q.HeartbeatAsync("TASK-0002", "timmy", TimeSpan.FromMinutes(30))).Claim);
        Note((await q.AppendAsync("timmy", "half way, ça va")).Message);
        Note((await q.ReleaseAsync("TASK-0002", "timmy")).State);
        Note((await q.NextAsync("ezra"))?.Id);
        Note((await q.DoneAsync("TASK-0001", "ezra", "Done: ✓ all\nsecond line")).State);
        Note((await q.ClaimAsync("TASK-0007", "ezra")).Outcome);
        Note((await q.FailAsync("TASK-0007", "ezra", "no dictionary")).State);
        Note((await q.SkipAsync("TASK-0004", "timmy", "duplicate")).State);
        Note((await q.ClaimAsync("TASK-0003", "ezra")).Task.Claim?.Agent);
        Note(string.Join(",", (await q.PollAsync("timmy")).Select(t => t.Id)));
        DispatchStatus status = await q.GetStatusAsync();
        Note(string.Join(",", status.Counts.Select(c => $"{c.Key}={c.Value}")));
        return results;
    }

    [RequiresTheory(Requirements.Emacs, Requirements.Sshd)]
    [InlineData("emacs")]
    [InlineData("ssh")]
    [InlineData("sshnet")]
    public async Task Every_operation_writes_the_buffer_exactly_as_the_file_transport_writes_the_file(string transport)
    {
        await using var live = await LiveBuffer.OpenAsync(transport, Text);
        var (emacs, path) = (live.Emacs, live.Path);
        var memory = new InMemoryDispatchStore(Text);
        var memoryClock = new ManualClock(Start);
        List<string> expected = await RunScriptAsync(Queue(memory, memoryClock), memoryClock);

        await using var store = new EmacsDispatchStore(live.Agents, path);
        var clock = new ManualClock(Start);
        List<string> actual = await RunScriptAsync(Queue(store, clock), clock);

        Assert.Equal(expected, actual);
        Assert.Equal(memory.Text, await BufferTextAsync(emacs, path));
        Assert.Equal(memory.Text, await File.ReadAllTextAsync(path)); // saved after each change
        Assert.Equal("nil", (await InBufferAsync(emacs, path, "(buffer-modified-p)")).Text);
    }

    [RequiresTheory(Requirements.Emacs, Requirements.Sshd)]
    [InlineData("emacs")]
    [InlineData("ssh")]
    [InlineData("sshnet")]
    public async Task A_persons_unsaved_edits_are_seen_and_survive_an_agents_claim(string transport)
    {
        await using var live = await LiveBuffer.OpenAsync(transport, Text);
        var (emacs, path) = (live.Emacs, live.Path);
        // The person types a new task and a note into the buffer, and does not save.
        await InBufferAsync(emacs, path,
            "(progn (goto-char (point-min)) (search-forward \"Body of task 2.\") (insert \" (person: check the logs)\")"
            + " (goto-char (point-min)) (search-forward \"* Activity\") (beginning-of-line)"
            + " (insert \"* PENDING Typed by a person :timmy:\\n  :PROPERTIES:\\n  :ID:       TASK-0100\\n  :END:\\n\\n\"))");
        Assert.Equal(Text, await File.ReadAllTextAsync(path));

        await using var store = new EmacsDispatchStore(live.Agents, path, new EmacsDispatchStoreOptions { SaveAfterChange = false });
        var clock = new ManualClock(Start);
        DispatchQueue queue = Queue(store, clock);
        ClaimResult claim = await queue.ClaimAsync("TASK-0100", "timmy");
        Assert.Equal(ClaimOutcome.Claimed, claim.Outcome);

        // The buffer shows the claim at once, next to the person's edits; the file is untouched.
        string buffer = await BufferTextAsync(emacs, path);
        Assert.Contains("* IN_PROGRESS Typed by a person :timmy:", buffer, StringComparison.Ordinal);
        Assert.Contains(":CLAIMED_BY: timmy", buffer, StringComparison.Ordinal);
        Assert.Contains("Body of task 2. (person: check the logs)", buffer, StringComparison.Ordinal);
        Assert.Equal(Text, await File.ReadAllTextAsync(path));
        Assert.Equal("t", (await InBufferAsync(emacs, path, "(buffer-modified-p)")).Text);

        await store.SaveAsync();
        Assert.Equal(buffer, await File.ReadAllTextAsync(path));
    }

    [RequiresTheory(Requirements.Emacs, Requirements.Sshd)]
    [InlineData("emacs")]
    [InlineData("ssh")]
    [InlineData("sshnet")]
    public async Task The_persons_point_window_and_narrowing_stay_where_they_were(string transport)
    {
        await using var live = await LiveBuffer.OpenAsync(transport, Text);
        var (emacs, path) = (live.Emacs, live.Path);
        // The person has narrowed the buffer to task 3 and has point in its title, which the agent is
        // about to change; a second window shows the same buffer from the task's body.
        await InBufferAsync(emacs, path,
            "(progn (goto-char (point-min)) (search-forward \"Task number 3\") (org-narrow-to-subtree) (search-backward \"number\")"
            + " (let ((w (split-window))) (set-window-buffer w (current-buffer))"
            + " (set-window-point w (save-excursion (search-forward \"Body of task 3\") (match-beginning 0)))))");
        await using var store = new EmacsDispatchStore(live.Agents, path);
        DispatchQueue queue = Queue(store, new ManualClock(Start));
        await queue.ClaimAsync("TASK-0003", "ezra");
        await queue.DoneAsync("TASK-0003", "ezra", "ok");
        await queue.ClaimAsync("TASK-0001", "ezra"); // outside the narrowed part

        Assert.Equal("\"number 3\"", (await InBufferAsync(emacs, path, "(buffer-substring-no-properties (point) (+ (point) 8))")).Text);
        Assert.Equal("(t \"* DONE Task number 3\")",
            (await InBufferAsync(emacs, path, "(list (buffer-narrowed-p) (buffer-substring-no-properties (point-min) (+ (point-min) 20)))")).Text);
        Assert.Equal("\"Body of task 3\"", (await InBufferAsync(emacs, path,
            "(let ((p (window-point (get-buffer-window (current-buffer))))) (buffer-substring-no-properties p (+ p 14)))")).Text);
        Assert.Contains("* DONE Task number 3", await BufferTextAsync(emacs, path), StringComparison.Ordinal);
    }

    [RequiresTheory(Requirements.Emacs, Requirements.Sshd)]
    [InlineData("emacs")]
    [InlineData("ssh")]
    [InlineData("sshnet")]
    public async Task The_lisp_is_loaded_on_first_use_and_again_when_outdated(string transport)
    {
        await using var live = await LiveBuffer.OpenAsync(transport, Text);
        var (emacs, path) = (live.Emacs, live.Path);
        Assert.Equal("nil", (await emacs.Client.EvaluateAsync("(boundp 'orgdispatch-el-version)")).Text);
        await using var store = new EmacsDispatchStore(live.Agents, path);
        DispatchQueue queue = Queue(store, new ManualClock(Start));
        Assert.Equal(6, (await queue.GetTasksAsync()).Count);
        Assert.Equal("4", (await emacs.Client.EvaluateAsync("orgdispatch-el-version")).Text);

        await emacs.Client.EvaluateAsync("(setq orgdispatch-el-version 0)"); // an older OrgDispatch loaded it
        Assert.Equal(ClaimOutcome.Claimed, (await queue.ClaimAsync("TASK-0001", "ezra")).Outcome);
        Assert.Equal("4", (await emacs.Client.EvaluateAsync("orgdispatch-el-version")).Text);
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task A_local_daemon_is_reached_over_one_lasting_connection_and_the_server_protocol_still_works()
    {
        await using var live = await LiveBuffer.OpenAsync("emacs", Text);
        const string Connections = "(length (seq-filter (lambda (p) (string-prefix-p \"orgdispatch <\" (process-name p))) (process-list)))";
        await using (var store = new EmacsDispatchStore(live.Agents, live.Path))
        {
            DispatchQueue queue = Queue(store, new ManualClock(Start));
            for (int i = 1; i <= 6; i++) Assert.Equal(ClaimOutcome.Claimed, (await queue.ClaimAsync($"TASK-{i:D4}", "ezra")).Outcome);
            Assert.Equal("t", (await live.Emacs.Client.EvaluateAsync("(and (process-live-p orgdispatch--channel) t)")).Text);
            Assert.Equal("1", (await live.Emacs.Client.EvaluateAsync(Connections)).Text);
        }
        // Without the channel every request is a server-protocol client; the result is the same.
        await File.WriteAllTextAsync(live.Path, Text);
        await using (var store = new EmacsDispatchStore(live.Agents, live.Path, new EmacsDispatchStoreOptions { UseChannel = false }))
        {
            DispatchQueue queue = Queue(store, new ManualClock(Start));
            Assert.Equal(ClaimOutcome.Claimed, (await queue.ClaimAsync("TASK-0001", "ezra")).Outcome);
        }
        Assert.Contains(":CLAIMED_BY: ezra", await BufferTextAsync(live.Emacs, live.Path), StringComparison.Ordinal);
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task A_request_that_times_out_on_the_channel_does_not_leave_its_answer_for_the_next()
    {
        await using var live = await LiveBuffer.OpenAsync("emacs", Text);
        await InBufferAsync(live.Emacs, live.Path, "t"); // visiting the file loads Org: not for the impatient
        var impatient = new EmacsServerClient(live.Emacs.Client.Endpoint, TimeSpan.FromMilliseconds(500));
        await using var store = new EmacsDispatchStore(impatient, live.Path);
        DispatchQueue queue = Queue(store, new ManualClock(Start));
        Assert.Equal(6, (await queue.GetTasksAsync()).Count);

        // The person runs something long; Emacs answers nobody meanwhile.
        Task busy = live.Emacs.Client.EvaluateAsync("(let ((end (+ (float-time) 1.5))) (while (< (float-time) end)))");
        await Task.Delay(200);
        var e = await Assert.ThrowsAsync<DispatchStoreException>(() => queue.GetTaskAsync("TASK-0001"));
        Assert.Equal(EmacsErrorKind.Timeout, Assert.IsType<EmacsServerException>(e.InnerException).Kind);
        await busy;
        await Task.Delay(300);

        // The late answer went to the abandoned connection; the next request gets its own.
        Assert.Equal(ClaimOutcome.Claimed, (await queue.ClaimAsync("TASK-0002", "ezra")).Outcome);
        Assert.Equal("ezra", (await queue.GetTaskAsync("TASK-0002")).Claim?.Agent);
        Assert.Null((await queue.GetTaskAsync("TASK-0001")).Claim);
    }

    [RequiresTheory(Requirements.Emacs, Requirements.Sshd)]
    [InlineData("emacs")]
    [InlineData("ssh")]
    [InlineData("sshnet")]
    public async Task A_file_changed_on_disk_is_reread_unless_the_buffer_has_unsaved_changes(string transport)
    {
        await using var live = await LiveBuffer.OpenAsync(transport, Text);
        var (emacs, path) = (live.Emacs, live.Path);
        await using var store = new EmacsDispatchStore(live.Agents, path);
        DispatchQueue queue = Queue(store, new ManualClock(Start));
        Assert.Equal(6, (await queue.GetTasksAsync()).Count);

        // Another tool (the file transport, say) changes the file behind the unmodified buffer.
        await File.WriteAllTextAsync(path, DispatchFiles.Pending(2));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        Assert.Equal(2, (await queue.GetTasksAsync()).Count);

        // With unsaved changes in the buffer, saving would lose the change on disk: refused, nothing done.
        await InBufferAsync(emacs, path, "(progn (goto-char (point-max)) (insert \"person typing\"))");
        await File.WriteAllTextAsync(path, DispatchFiles.Pending(3));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(10));
        var e = await Assert.ThrowsAsync<DispatchStoreException>(() => queue.ClaimAsync("TASK-0001", "ezra"));
        Assert.Contains("changed on disk", e.Message, StringComparison.Ordinal);
        Assert.Equal(DispatchFiles.Pending(3), await File.ReadAllTextAsync(path));
    }

    [RequiresTheory(Requirements.Emacs, Requirements.Sshd)]
    [InlineData("emacs")]
    [InlineData("ssh")]
    [InlineData("sshnet")]
    public async Task Many_agents_racing_on_one_buffer_claim_each_task_exactly_once(string transport)
    {
        await using var live = await LiveBuffer.OpenAsync(transport, DispatchFiles.Pending(48));
        string path = live.Path;
        var claimed = new System.Collections.Concurrent.ConcurrentBag<(string Task, string Agent)>();
        await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            // Each agent has its own store and connection, as separate processes would.
            await using var store = new EmacsDispatchStore(live.Agents, path);
            var queue = new DispatchQueue(store);
            string agent = $"agent{i}";
            for (int n = 0; n < 48; n++)
            {
                if (await queue.NextAsync(agent) is not { } task) break;
                claimed.Add((task.Id, agent));
            }
        }));
        Assert.Equal(48, claimed.Count);
        Assert.Equal(48, claimed.Select(c => c.Task).Distinct().Count());
        var tasks = await new DispatchQueue(new FileDispatchStore(path)).GetTasksAsync();
        Assert.All(tasks, t => Assert.Equal(claimed.Single(c => c.Task == t.Id).Agent, t.Claim?.Agent));
    }

    [RequiresTheory(Requirements.Emacs, Requirements.Sshd)]
    [InlineData("emacs")]
    [InlineData("ssh")]
    [InlineData("sshnet")]
    public async Task A_dead_daemon_is_a_clear_error_and_the_queue_recovers_after_a_restart(string transport)
    {
        await using var live = await LiveBuffer.OpenAsync(transport, Text);
        var (emacs, path) = (live.Emacs, live.Path);
        await using var store = new EmacsDispatchStore(live.Agents, path);
        DispatchQueue queue = Queue(store, new ManualClock(Start));
        await queue.ClaimAsync("TASK-0001", "ezra");

        await emacs.KillAsync();
        var e = await Assert.ThrowsAsync<DispatchStoreException>(() => queue.ClaimAsync("TASK-0002", "timmy"));
        Assert.Equal(EmacsErrorKind.DaemonNotRunning, Assert.IsType<EmacsServerException>(e.InnerException).Kind);
        Assert.Contains("not running", e.Message, StringComparison.Ordinal);

        await emacs.RestartAsync(); // a new Emacs: the buffer is visited again from the saved file
        Assert.Equal(ClaimOutcome.Claimed, (await queue.ClaimAsync("TASK-0002", "timmy")).Outcome);
        var tasks = await queue.GetTasksAsync();
        Assert.Equal("ezra", tasks.Single(t => t.Id == "TASK-0001").Claim?.Agent);
        Assert.Equal("timmy", tasks.Single(t => t.Id == "TASK-0002").Claim?.Agent);
    }
}

/// <summary>A dispatch file visited in a real Emacs daemon, and how the test's agents reach it:
/// the daemon's socket (the emacs transport), or the SSH transport through a real sshd on
/// 127.0.0.1 with either engine (ssh: OpenSSH, sshnet: SSH.NET). The test itself plays the person, through the socket.</summary>
internal sealed class LiveBuffer : IAsyncDisposable
{
    private readonly SshServer? _sshd;

    private LiveBuffer(EmacsDaemon emacs, IEmacsEvaluator agents, SshServer? sshd)
    {
        Emacs = emacs;
        Agents = agents;
        _sshd = sshd;
    }

    public EmacsDaemon Emacs { get; }

    /// <summary>What the agents evaluate through.</summary>
    public IEmacsEvaluator Agents { get; }

    public string Path => Emacs.File("dispatch.org");

    public static async Task<LiveBuffer> OpenAsync(string transport, string text)
    {
        EmacsDaemon emacs = await EmacsDaemon.StartAsync();
        try
        {
            await File.WriteAllTextAsync(emacs.File("dispatch.org"), text);
            if (transport == "emacs") return new LiveBuffer(emacs, emacs.Client, null);
            SshServer sshd = await SshServer.StartAsync();
            return new LiveBuffer(emacs, sshd.Client(transport, emacs.SocketPath), sshd);
        }
        catch
        {
            await emacs.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_sshd is not null) await SshServer.CloseAsync(Agents);
            if (_sshd is not null) await _sshd.DisposeAsync();
        }
        finally
        {
            await Emacs.DisposeAsync();
        }
    }
}
