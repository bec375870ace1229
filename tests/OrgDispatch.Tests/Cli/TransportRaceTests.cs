using System.Diagnostics;
using System.Text.RegularExpressions;
using OrgDispatch.Emacs;
using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Emacs;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Cli;

/// <summary>Agents through the emacs and ssh transports at once, on one buffer: 32 CLI processes
/// racing, and agents riding out a killed daemon and a stopped sshd.</summary>
[Collection(Heavy.Name)]
public sealed partial class TransportRaceTests
{
    [RequiresFact(Requirements.Emacs, Requirements.Sshd)]
    public async Task Sixteen_processes_through_emacs_and_sixteen_through_ssh_claim_each_task_exactly_once()
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        await using var sshd = await SshServer.StartAsync();
        string path = emacs.File("dispatch.org");
        const int tasks = 96, perTransport = 16;
        await File.WriteAllTextAsync(path, DispatchFiles.Pending(tasks));
        // 32 processes on 2 cores is deliberate overload: a request may wait long for its turn in Emacs.
        // The point is exactly-once, not latency, so each process may wait 2 minutes (not the default 30 s).
        var local = new Dictionary<string, string?> { ["ORGDISPATCH_SOCKET"] = emacs.SocketPath, ["ORGDISPATCH_FILE"] = path, ["ORGDISPATCH_EMACS_TIMEOUT"] = "2m" };
        var remote = new Dictionary<string, string?>
        {
            ["ORGDISPATCH_TRANSPORT"] = "ssh", ["ORGDISPATCH_HOST"] = "dispatch-test", ["ORGDISPATCH_SSH_CONFIG"] = sshd.ClientConfig,
            ["ORGDISPATCH_SOCKET"] = emacs.SocketPath, ["ORGDISPATCH_FILE"] = path, ["ORGDISPATCH_EMACS_TIMEOUT"] = "2m",
        };
        try
        {
            var clock = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, 2 * perTransport).Select(w => Task.Run<(List<string> Claimed, string Agent, string? Error)>(() =>
            {
                string agent = (w < perTransport ? "local" : "remote") + w;
                var env = w < perTransport ? local : remote;
                var claimed = new List<string>();
                for (int n = 0; n <= tasks; n++)
                {
                    var (code, output, error) = CliProcess.Run(["next", "--agent", agent], env);
                    if (code == 5) return (claimed, agent, null);
                    if (code != 0) return (claimed, agent, $"{agent} exited {code}: {error.Replace("\n", " ", StringComparison.Ordinal)}");
                    claimed.Add(ClaimedId().Match(output).Groups[1].Value);
                }
                return (claimed, agent, $"{agent} never ran out of tasks");
            })).ToList();
            var results = await Task.WhenAll(workers);
            string[] failures = results.Where(r => r.Error is not null).Select(r => r.Error!).ToArray();
            Assert.True(failures.Length == 0, string.Join("\n", failures));
            var winners = results.SelectMany(r => r.Claimed.Select(id => (Id: id, r.Agent))).ToList();
            Assert.Equal(tasks, winners.Count);
            Assert.Equal(tasks, winners.Select(x => x.Id).Distinct().Count());
            Assert.Contains(winners, x => x.Agent.StartsWith("local", StringComparison.Ordinal));
            Assert.Contains(winners, x => x.Agent.StartsWith("remote", StringComparison.Ordinal));

            // The buffer (saved) names each winner once, and the LOGBOOK has one claim note per task.
            string text = await EmacsStoreTests.BufferTextAsync(emacs, path);
            Assert.Equal(text, await File.ReadAllTextAsync(path));
            var final = await new DispatchQueue(new InMemoryDispatchStore(text)).GetTasksAsync();
            var byId = winners.ToDictionary(x => x.Id, x => x.Agent);
            Assert.All(final, t => Assert.Equal(byId[t.Id], t.Claim?.Agent));
            Assert.Equal(tasks, ClaimNote().Count(text));
            Console.WriteLine($"{2 * perTransport} processes claimed {tasks} tasks through emacs and ssh in {clock.Elapsed.TotalSeconds:0.0} s; {sshd.Logins} SSH logins");
        }
        finally
        {
            ProcessRunner.Run("sh", ["-c", $"for s in /tmp/orgdispatch-{OrgDispatch.Emacs.EmacsServerEndpoint.UserId()}/*.ctl; do ssh -o ControlPath=$s -O exit x 2>/dev/null; done; true"], TimeSpan.FromSeconds(30));
        }
    }


    [RequiresFact(Requirements.Emacs, Requirements.Sshd)]
    public async Task Agents_ride_out_a_killed_daemon_and_a_stopped_sshd_without_losing_or_repeating_work()
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        await using var sshd = await SshServer.StartAsync();
        string path = emacs.File("dispatch.org");
        const int tasks = 80;
        await File.WriteAllTextAsync(path, DispatchFiles.Pending(tasks));
        var ssh = new SshEmacsClient(sshd.Options, emacs.SocketPath);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<EmacsErrorKind>();
        int done = 0;
        var deadline = Stopwatch.StartNew();
        try
        {
            // Each agent finishes what it holds before claiming more, the way an agent resumes after a crash.
            async Task AgentAsync(string agent, IEmacsEvaluator via)
            {
                await using var store = new EmacsDispatchStore(via, path);
                var queue = new DispatchQueue(store);
                while (deadline.Elapsed < TimeSpan.FromMinutes(3))
                {
                    try
                    {
                        var all = await queue.GetTasksAsync();
                        DispatchTask? task = all.FirstOrDefault(t => t.State == TaskState.InProgress && t.Claim?.Agent == agent)
                            ?? await queue.NextAsync(agent);
                        if (task is null)
                        {
                            if (all.All(t => t.State == TaskState.Done)) return;
                            await Task.Delay(50);
                            continue;
                        }
                        await Task.Delay(100); // the work
                        await queue.DoneAsync(task.Id, agent, "finished by " + agent);
                        Interlocked.Increment(ref done);
                    }
                    catch (DispatchStoreException e)
                    {
                        // A value cut short at a line boundary reads as unreadable Lisp: a lost connection too.
                        errors.Enqueue(e.InnerException is EmacsServerException emacsError ? emacsError.Kind : EmacsErrorKind.ConnectionLost);
                        await Task.Delay(200);
                    }
                    catch (DispatchConflictException)
                    {
                        // Our done landed but its answer was lost with the daemon: the task is DONE already.
                    }
                }
            }

            var agents = Enumerable.Range(0, 4).Select(i => AgentAsync("local" + i, emacs.Client))
                .Concat(Enumerable.Range(0, 4).Select(i => AgentAsync("remote" + i, ssh))).ToList();
            async Task WaitForDoneAsync(int n)
            {
                while (Volatile.Read(ref done) < n && deadline.Elapsed < TimeSpan.FromMinutes(3)) await Task.Delay(20);
            }
            await WaitForDoneAsync(20);
            await emacs.KillAsync();
            await Task.Delay(700);
            await emacs.RestartAsync();
            await WaitForDoneAsync(50);
            await sshd.StopAsync();
            await Task.Delay(700);
            await sshd.StartAgainAsync();
            await Task.WhenAll(agents);

            string text = await File.ReadAllTextAsync(path);
            var final = await new DispatchQueue(new InMemoryDispatchStore(text)).GetTasksAsync();
            Assert.All(final, t => Assert.Equal(TaskState.Done, t.State));
            Assert.Equal(tasks, DoneNote().Count(text)); // each task finished once
            Assert.Contains(errors, k => k is EmacsErrorKind.DaemonNotRunning or EmacsErrorKind.SocketMissing or EmacsErrorKind.ConnectionLost);
            Assert.Contains(EmacsErrorKind.HostUnreachable, errors);
            Assert.All(errors, k => Assert.NotEqual(EmacsErrorKind.LispError, k));
            Console.WriteLine($"faults: {string.Join(", ", errors.GroupBy(k => k).Select(g => $"{g.Key} x{g.Count()}"))}; {deadline.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            await ssh.CloseSharedConnectionAsync();
        }
    }

    [GeneratedRegex(@"^claimed (TASK-\d+)", RegexOptions.Multiline)]
    private static partial Regex ClaimedId();

    [GeneratedRegex(@"- State ""IN_PROGRESS"" +from ""PENDING""")]
    private static partial Regex ClaimNote();

    [GeneratedRegex(@"- State ""DONE"" +from ""IN_PROGRESS""")]
    private static partial Regex DoneNote();
}
