using System.Diagnostics;
using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Samples;

/// <summary>samples/TmuxFleet against real tmux, on a private server (<c>-L</c>, a unique name per
/// test) under a private <c>TMUX_TMPDIR</c>, so the test can see that no other server (the user's
/// default one above all) was ever started.</summary>
public sealed class TmuxFleetTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _server = "fleet-test-" + Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, string?> _env;

    public TmuxFleetTests()
    {
        _env = new() { ["TMUX_TMPDIR"] = _dir.Path, ["TMUX"] = null };
    }

    private string DispatchPath => _dir.File("dispatch.org");

    private (int Code, string Out, string Err) Fleet(params string[] args)
    {
        var psi = new ProcessStartInfo(SampleProcess.Program("TmuxFleet", "tmux-fleet"));
        foreach (string a in new[] { "-L", _server }.Concat(args)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in _env) psi.Environment[k] = v;
        return ProcessRunner.Exec(psi, TimeSpan.FromMinutes(1));
    }

    private string Tmux(params string[] args)
    {
        var psi = new ProcessStartInfo("tmux");
        foreach (string a in new[] { "-L", _server }.Concat(args)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in _env) psi.Environment[k] = v;
        var (code, output, error) = ProcessRunner.Exec(psi, TimeSpan.FromSeconds(30));
        Assert.True(code == 0, $"tmux {string.Join(' ', args)}: {error}");
        return output;
    }

    private string Pane(string session) => Tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "=" + session + ":");

    private static int Count(string text, string needle) => text.Split(needle).Length - 1;

    /// <summary>Waits (bounded) until <paramref name="done"/> holds.</summary>
    private static async Task Eventually(Func<bool> done, string what, TimeSpan? within = null)
    {
        var sw = Stopwatch.StartNew();
        while (!done())
        {
            if (sw.Elapsed > (within ?? TimeSpan.FromSeconds(30))) Assert.Fail($"Not within {within ?? TimeSpan.FromSeconds(30)}: {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>The only tmux socket under our TMUX_TMPDIR is the fleet's: no default server.</summary>
    private void AssertOnlyTheFleetServerRan()
    {
        string[] sockets = Directory.GetDirectories(_dir.Path, "tmux-*").SelectMany(Directory.GetFileSystemEntries).Select(Path.GetFileName).ToArray()!;
        Assert.Equal([_server], sockets);
    }

    private static string Entry(string id, string agent, string state = "PENDING") =>
        $"* {state} Task {id} :{agent}:\n  :PROPERTIES:\n  :ID: {id}\n  :END:\n";

    [RequiresFact("tmux")]
    public async Task A_new_task_for_ann_reaches_exactly_anns_pane_and_a_released_one_again()
    {
        File.WriteAllText(DispatchPath, "#+TODO: PENDING IN_PROGRESS | DONE SKIPPED FAILED\n" + Entry("T-1", "ann"));
        Assert.Equal(0, Fleet("holder").Code);
        Assert.Equal(0, Fleet("spawn", "ann", "--", "cat").Code);
        Assert.Equal(0, Fleet("spawn", "ann2", "--", "cat").Code);

        var (watch, _) = SampleProcess.Start("TmuxFleet", ["-L", _server, "watch", "--file", DispatchPath, "--interval", "200ms"],
            "watching ", TimeSpan.FromMinutes(1), _env, "tmux-fleet");
        using (watch)
        {
            var queue = new DispatchQueue(new FileDispatchStore(DispatchPath));
            DispatchTask added = await queue.AddAsync(new NewTask { Title = "Rotate the keys", Agents = ["ann"] });
            string message = $"New task {added.Id}: Rotate the keys";
            await Eventually(() => Pane("ann").Contains(message, StringComparison.Ordinal), $"ann's pane shows \"{message}\"\n{watch.Log}");
            await Eventually(() => watch.Log.Contains("delivered to ann: " + message, StringComparison.Ordinal), "the watcher reports the delivery");
            Assert.DoesNotContain("T-1", Pane("ann"), StringComparison.Ordinal); // pending at start: the baseline, not news
            int shown = Count(Pane("ann"), message);

            // Claimed, then released: back to PENDING, so ann hears of it again.
            await queue.ClaimAsync(added.Id, "bob");
            await Task.Delay(1000);
            await queue.ReleaseAsync(added.Id, "bob");
            await Eventually(() => Count(Pane("ann"), message) > shown, "the released task is announced again\n" + watch.Log);
        }
        Assert.DoesNotContain("New task", Pane("ann2"), StringComparison.Ordinal);
        AssertOnlyTheFleetServerRan();
    }

    [RequiresFact("tmux")]
    public async Task Through_a_hub_its_events_wake_the_agent_with_no_polling_at_all()
    {
        File.WriteAllText(DispatchPath, "#+TODO: PENDING IN_PROGRESS | DONE SKIPPED FAILED\n");
        var queue = new DispatchQueue(new FileDispatchStore(DispatchPath));
        await using var hub = new OrgDispatch.Hub.HubServer(queue, new OrgDispatch.Hub.HubServerOptions { Address = System.Net.IPAddress.Loopback, Port = 0 });
        await hub.StartAsync();
        Assert.Equal(0, Fleet("spawn", "ann", "--", "cat").Code);

        // An interval of an hour: only the hub's event can make the delivery in time.
        var (watch, _) = SampleProcess.Start("TmuxFleet", ["-L", _server, "watch", "--hub", $"127.0.0.1:{hub.LocalEndPoint.Port}", "--interval", "3600s"],
            "watching ", TimeSpan.FromMinutes(1), _env, "tmux-fleet");
        using (watch)
        {
            await Eventually(() => hub.ClientCount > 0, "the watcher connects to the hub");
            await Task.Delay(500); // its subscription is sent right after it connects
            DispatchTask added = await queue.AddAsync(new NewTask { Title = "Through the hub", Agents = ["ann"] });
            await Eventually(() => Pane("ann").Contains($"New task {added.Id}: Through the hub", StringComparison.Ordinal), "ann hears of the task through the hub\n" + watch.Log);
        }
        AssertOnlyTheFleetServerRan();
    }

    [RequiresFact("tmux")]
    public void Delivery_targets_the_session_exactly_and_reports_an_agent_without_one()
    {
        Assert.Equal(0, Fleet("spawn", "ann", "--", "cat").Code);
        Assert.Equal(0, Fleet("spawn", "ann2", "--", "cat").Code);

        var (code, output, _) = Fleet("deliver", "ann2", "for ann2 only");
        Assert.Equal(0, code);
        Assert.Contains("delivered to ann2", output, StringComparison.Ordinal);
        Assert.Contains("for ann2 only", Pane("ann2"), StringComparison.Ordinal);
        Assert.DoesNotContain("for ann2 only", Pane("ann"), StringComparison.Ordinal);

        // "an" is a prefix of both; tmux would take it for one of them without "=".
        (code, output, _) = Fleet("deliver", "an", "for nobody");
        Assert.Equal(1, code);
        Assert.Contains("undelivered to an: no session an", output, StringComparison.Ordinal);
        Assert.DoesNotContain("for nobody", Pane("ann") + Pane("ann2"), StringComparison.Ordinal);
        AssertOnlyTheFleetServerRan();
    }

    [RequiresFact("tmux")]
    public void The_roster_lists_sessions_their_commands_and_tasks_and_reports_a_dead_agent()
    {
        File.WriteAllText(DispatchPath, "#+TODO: PENDING IN_PROGRESS | DONE SKIPPED FAILED\n" + Entry("T-1", "ann") + Entry("T-2", "ann")
            + "* IN_PROGRESS Task T-3 :ann:\n  :PROPERTIES:\n  :ID: T-3\n  :CLAIMED_BY: ann\n  :END:\n" + Entry("T-4", "bob"));
        Assert.Equal(0, Fleet("spawn", "ann", "--", "cat").Code);
        Assert.Equal(0, Fleet("spawn", "bob", "--", "cat").Code);
        Tmux("kill-session", "-t", "=bob"); // bob's agent died

        var (code, output, error) = Fleet("roster", "--file", DispatchPath, "--agent", "bob");
        Assert.True(code == 0, error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["agent\tsession\tcommand\tpending\tin_progress", "ann\talive\tcat\t2\t1", "bob\tdead\t-\t1\t0"], lines);
        AssertOnlyTheFleetServerRan();

        Assert.Equal(0, Fleet("stop").Code);
        Assert.Equal(1, Fleet("deliver", "ann", "after the stop").Code);
    }

    [RequiresFact("systemd-analyze")]
    public void The_systemd_units_pass_systemd_analyze_verify()
    {
        string units = Path.Combine(TestEnvironment.RepoRoot, "samples", "TmuxFleet", "systemd");
        string runtime = Directory.CreateDirectory(_dir.File("runtime")).FullName;
        var names = new List<string>();
        foreach (string unit in Directory.GetFiles(units, "*.service"))
        {
            string name = Path.GetFileName(unit).Replace("@.service", "@ann.service", StringComparison.Ordinal); // a template is verified as an instance
            File.Copy(unit, _dir.File(name));
            names.Add(_dir.File(name));
        }
        Assert.Equal(3, names.Count);
        File.WriteAllText(_dir.File("broken.service"), "[Service]\nExecStart=/nonexistent/tmux-fleet\n");

        (int Code, string Err) Verify(IEnumerable<string> files)
        {
            var psi = new ProcessStartInfo("systemd-analyze") { Environment = { ["XDG_RUNTIME_DIR"] = runtime } };
            foreach (string a in new[] { "verify", "--user" }.Concat(files)) psi.ArgumentList.Add(a);
            var (code, _, err) = ProcessRunner.Exec(psi, TimeSpan.FromMinutes(1));
            return (code, err);
        }
        var ours = Verify(names);
        Assert.True(ours.Code == 0 && ours.Err.Trim().Length == 0, ours.Err);
        Assert.NotEqual(0, Verify([_dir.File("broken.service")]).Code); // the check can fail
    }

    public void Dispose()
    {
        try { Tmux("kill-server"); } catch (Xunit.Sdk.XunitException) { } // already stopped, or never started
        _dir.Dispose();
    }
}
