using System.Diagnostics;
using System.Text.RegularExpressions;
using OrgDispatch.Document;
using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Cli;

/// <summary>Many OS processes of the real CLI on one file, and writers killed with SIGKILL.</summary>
[Collection(Heavy.Name)]
public sealed partial class ProcessRaceTests
{
    private static readonly Dictionary<string, string?> Patient = new() { ["ORGDISPATCH_LOCK_TIMEOUT"] = "120s" };

    [Fact]
    public async Task Sixteen_processes_claim_a_thousand_tasks_each_exactly_once()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        const int tasks = 1000, workers = 16;
        File.WriteAllText(path, DispatchFiles.Pending(tasks));

        // Each worker runs `next` until it exits 5 (nothing ready); every claim races all others for the same first task.
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run<(List<string> Claimed, string? Error)>(() =>
        {
            var claimed = new List<string>();
            for (int n = 0; n <= tasks; n++)
            {
                var (code, output, error) = CliProcess.Run(["next", "--agent", $"w{w}", "--file", path], Patient);
                if (code == 5) return (claimed, null);
                if (code != 0) return (claimed, $"w{w} exited {code}: {error}");
                claimed.Add(ClaimedId().Match(output).Groups[1].Value);
            }
            return (claimed, $"w{w} never ran out of tasks");
        })));
        clock.Stop();

        Assert.All(results, r => Assert.Null(r.Error));
        var winners = results.SelectMany((r, w) => r.Claimed.Select(id => (Id: id, Agent: $"w{w}"))).ToList();
        Assert.Equal(tasks, winners.Count);
        Assert.Equal(tasks, winners.Select(x => x.Id).Distinct().Count());

        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(bytes, OrgDocument.Parse(bytes).ToArray());
        IReadOnlyList<DispatchTask> final = await new DispatchQueue(new FileDispatchStore(path)).GetTasksAsync();
        Assert.All(final, t => Assert.Equal(TaskState.InProgress, t.State));
        // The LOGBOOK tells the truth: one claim note per task, naming the process that was told it won.
        var byId = winners.ToDictionary(x => x.Id, x => x.Agent);
        string text = File.ReadAllText(path);
        foreach (DispatchTask t in final)
        {
            Assert.Equal(byId[t.Id], t.Claim!.Agent);
        }
        var notes = ClaimNote().Matches(text).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(tasks, notes.Count);
        Assert.Equal(final.Select(t => t.Claim!.Agent), notes);
        Console.WriteLine($"{workers} processes claimed {tasks} tasks in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Writers_killed_with_sigkill_never_leave_a_torn_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        const int tasks = 3000; // about 1 MB, so a kill often lands inside a write
        File.WriteAllText(path, DispatchFiles.Pending(tasks));
        var random = new Random(20261121);
        int killedMidRun = 0;
        for (int round = 0; round < 30; round++)
        {
            string[] args = round % 2 == 0
                ? ["next", "--agent", "crash", "--file", path]
                : ["append", $"round {round}", "--agent", "crash", "--file", path];
            using var p = Process.Start(CliProcess.StartInfo(args, Patient))!;
            Thread.Sleep(random.Next(40, 220));
            if (!p.HasExited)
            {
                p.Kill(); // SIGKILL on Unix
                killedMidRun++;
            }
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)));

            byte[] bytes = File.ReadAllBytes(path);
            OrgDocument doc = OrgDocument.Parse(bytes);
            var table = (await new DispatchQueue(new InMemoryDispatchStore(System.Text.Encoding.UTF8.GetString(bytes))).GetStatusAsync());
            Assert.Equal(tasks, table.Counts.Values.Sum());
            Assert.Empty(table.Problems);
            Assert.Equal("Activity", doc.GetHeadline(doc.HeadlineCount - 1).Title);
            Assert.StartsWith(DispatchFiles.Header, File.ReadAllText(path));
        }
        Assert.True(killedMidRun >= 10, $"only {killedMidRun} of 30 writers were still running when killed");
        // The queue goes on, and the next writer sweeps away temp files the dead ones left.
        Assert.Equal(0, CliProcess.Run(["next", "--agent", "after", "--file", path], Patient).Code);
        Assert.Equal([".dispatch.org.lock", "dispatch.org"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order());
    }

    // A person editing the file the plain way, without OrgDispatch's lock: appending tasks
    // (O_APPEND, one write each) and retyping a title in place (read and written through one
    // descriptor, same length), as an editor's or a script's writes land.
    private const string Person = """
        import os, sys, time
        path, count = sys.argv[1], int(sys.argv[2])
        for i in range(count):
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            os.write(fd, f"* PENDING Person task {i:03}\n:PROPERTIES:\n:ID: PERSON-{i:03}\n:END:\n".encode())
            os.close(fd)
            if i % 2 == 1:
                fd = os.open(path, os.O_RDWR)
                data = os.pread(fd, 1 << 24, 0)
                at = data.find(f"Person task {i - 1:03}\n".encode())
                if at < 0:
                    sys.exit(f"task {i - 1:03} is gone")
                os.pwrite(fd, f"PERSON TASK {i - 1:03}\n".encode(), at)
                os.close(fd)
            time.sleep(0.1)
        """;

    [RequiresFact(Requirements.Python)]
    public async Task A_person_writing_without_the_lock_loses_nothing_while_sixteen_agents_and_a_hub_work()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        const int tasks = 60, personTasks = 40;
        File.WriteAllText(path, DispatchFiles.Pending(tasks));
        File.WriteAllText(dir.File("person.py"), Person);
        using Process serve = Process.Start(CliProcess.StartInfo(["serve", "--file", path, "--port", "0"], Patient))!;
        try
        {
            string first = (await serve.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)))!;
            string hub = first[(first.LastIndexOf(' ') + 1)..];
            using Process person = Process.Start(new ProcessStartInfo("python3", [dir.File("person.py"), path, personTasks.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            Task<string> personErrors = person.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            // Half the agents go through the hub, half straight to the file; each finishes what it claims.
            var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run<(List<string> Done, string? Error)>(async () =>
            {
                var done = new List<string>();
                string[] where = w % 2 == 0 ? ["--hub", hub] : ["--file", path];
                for (int n = 0; n < 4 * (tasks + personTasks); n++)
                {
                    if (clock.Elapsed > TimeSpan.FromMinutes(5)) return (done, $"w{w} ran out of time");
                    // Asked before the call: a person who exits after it may have added a task it did not see.
                    bool personDone = person.HasExited;
                    var (code, output, error) = CliProcess.Run(["next", "--agent", $"w{w}", .. where], Patient);
                    if (code == 5)
                    {
                        if (personDone) return (done, null);
                        await Task.Delay(50);
                        continue;
                    }
                    if (code != 0) return (done, $"w{w} next exited {code}: {error}");
                    string id = ClaimedId().Match(output).Groups[1].Value;
                    (code, _, error) = CliProcess.Run(["done", id, "--agent", $"w{w}", "--result", "ok", .. where], Patient);
                    if (code != 0) return (done, $"w{w} done {id} exited {code}: {error}");
                    done.Add(id);
                }
                return (done, $"w{w} never ran out of tasks");
            })));
            Assert.True(person.WaitForExit(TimeSpan.FromMinutes(1)));
            Assert.True(person.ExitCode == 0, await personErrors);
            Assert.All(results, r => Assert.Null(r.Error));

            List<string> finished = results.SelectMany(r => r.Done).ToList();
            Assert.Equal(tasks + personTasks, finished.Count);
            Assert.Equal(tasks + personTasks, finished.Distinct().Count()); // each claimed and finished once
            byte[] bytes = File.ReadAllBytes(path);
            Assert.Equal(bytes, OrgDocument.Parse(bytes).ToArray());
            IReadOnlyList<DispatchTask> final = await new DispatchQueue(new FileDispatchStore(path)).GetTasksAsync();
            Assert.All(final, t => Assert.Equal(TaskState.Done, t.State));
            // Every one of the person's writes is there: each task appended, each title retyped.
            for (int i = 0; i < personTasks; i++)
            {
                DispatchTask mine = Assert.Single(final, t => t.Id == $"PERSON-{i:000}");
                Assert.Equal(i % 2 == 0 && i < personTasks - 1 ? $"PERSON TASK {i:000}" : $"Person task {i:000}", mine.Title);
            }
            Assert.Equal(tasks + personTasks, Regex.Count(File.ReadAllText(path), ": claimed, attempt 1 of 3$", RegexOptions.Multiline));
        }
        finally
        {
            Process.Start("kill", ["-TERM", serve.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            serve.WaitForExit(30_000);
        }
    }

    [GeneratedRegex(@"^claimed (\S+)")]
    private static partial Regex ClaimedId();

    [GeneratedRegex(@"^  - State ""IN_PROGRESS"" from ""PENDING"" .*\n    (\w+): claimed, attempt 1 of 3$", RegexOptions.Multiline)]
    private static partial Regex ClaimNote();
}
