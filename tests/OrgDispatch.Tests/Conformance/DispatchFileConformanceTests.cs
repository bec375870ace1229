using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Conformance;

/// <summary>A file the queue wrote opens in Emacs with nothing for Org to complain about, and
/// Org reads back the states, claims, CLOSED lines and LOGBOOK notes the library says it wrote.</summary>
public sealed class DispatchFileConformanceTests
{
    private static string Script => Path.Combine(TestEnvironment.RepoRoot, "tests", "OrgDispatch.Tests", "Conformance", "dispatch-check.el");

    [RequiresFact(Requirements.Emacs)]
    public async Task Org_lint_finds_nothing_and_org_element_reads_what_the_queue_wrote()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(6, "timmy", "ezra"));
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 21, 10, 30, 0, TimeSpan.Zero));
        var queue = new DispatchQueue(new FileDispatchStore(path), new DispatchOptions { TimeProvider = clock, MaxAttempts = 1 });

        await queue.ClaimAsync("TASK-0001", "ezra");
        await queue.DoneAsync("TASK-0001", "ezra", "Deployed.\n:END:\nSmoke tests green.");
        await queue.ClaimAsync("TASK-0002", "timmy", TimeSpan.FromMinutes(5));
        await queue.ClaimAsync("TASK-0003", "ezra");
        await queue.FailAsync("TASK-0003", "ezra", "no disk");
        await queue.SkipAsync("TASK-0004", "timmy", "not needed");
        await queue.ClaimAsync("TASK-0005", "ezra");
        await queue.ReleaseAsync("TASK-0005", "ezra");
        await queue.ClaimAsync("TASK-0006", "timmy", TimeSpan.FromMinutes(1));
        clock.Advance(TimeSpan.FromMinutes(2));
        await queue.AddAsync(new NewTask { Title = "Rotate keys", Agents = ["cleo"], Priority = 'A', Deadline = new DateOnly(2026, 12, 24), BlockedBy = ["TASK-0001"] });
        await queue.AppendAsync("timmy", "all quiet");

        string output = ProcessRunner.Run("emacs", ["-Q", "--batch", "-l", Script, path], TimeSpan.FromMinutes(2));
        IReadOnlyList<DispatchTask> tasks = await queue.GetTasksAsync();
        var expected = tasks.Select(t =>
            $"TASK {t.Id} {queue.Options.Keywords.Of(t.State)} {t.Claim?.Agent ?? "-"} {(t.State.IsTerminal() ? "closed" : "-")} {Notes(t.Id)}");
        Assert.Equal(expected, output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("TASK TASK-0006 FAILED - closed 2", output); // its one-minute lease ran out on its only attempt

        static int Notes(string id) => id switch
        {
            "TASK-0001" or "TASK-0003" or "TASK-0005" or "TASK-0006" => 2,
            "TASK-0002" or "TASK-0004" => 1,
            _ => 0,
        };
    }
}
