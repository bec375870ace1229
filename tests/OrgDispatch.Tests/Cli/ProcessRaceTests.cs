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

    [GeneratedRegex(@"^claimed (\S+)")]
    private static partial Regex ClaimedId();

    [GeneratedRegex(@"^  - State ""IN_PROGRESS"" from ""PENDING"" .*\n    (\w+): claimed, attempt 1 of 3$", RegexOptions.Multiline)]
    private static partial Regex ClaimNote();
}
