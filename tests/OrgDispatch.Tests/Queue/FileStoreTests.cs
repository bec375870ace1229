using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Queue;

/// <summary>The local-file transport: atomic replacement, the OS lock, and what it does when things go wrong.</summary>
public sealed class FileStoreTests
{
    private static DispatchQueue Open(string path, TimeSpan? lockTimeout = null) => new(new FileDispatchStore(path, lockTimeout));

    [Fact]
    public async Task Racing_threads_each_with_their_own_store_get_exactly_one_winner()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(1));
        const int racers = 24;
        using var go = new ManualResetEventSlim();
        Task<ClaimResult>[] claims = Enumerable.Range(0, racers).Select(i => Task.Run(async () =>
        {
            go.Wait(TimeSpan.FromSeconds(10));
            return await Open(path).ClaimAsync("TASK-0001", $"agent{i}");
        })).ToArray();
        go.Set();
        ClaimResult[] results = await Task.WhenAll(claims);
        ClaimResult winner = Assert.Single(results, r => r.Outcome == ClaimOutcome.Claimed);
        Assert.All(results.Where(r => r != winner), r => Assert.Equal((ClaimOutcome.ClaimedByOther, winner.Task.Claim!.Agent), (r.Outcome, r.Holder)));
        Assert.Single(File.ReadAllLines(path), l => l.Contains("- State \"IN_PROGRESS\""));
    }

    [Fact]
    public async Task Concurrent_next_calls_claim_every_task_exactly_once()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(120));
        var claimed = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            DispatchQueue q = Open(path);
            for (int n = 0; n < 200 && await q.NextAsync($"w{i}") is { } t; n++) claimed.Add(t.Id);
        })));
        Assert.Equal(120, claimed.Count);
        Assert.Equal(120, claimed.Distinct().Count());
        Assert.Equal(120, (await Open(path).GetStatusAsync()).Counts[TaskState.InProgress]);
    }

    [Fact]
    public async Task Edits_made_on_disk_between_operations_are_kept()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(2));
        DispatchQueue q = Open(path);
        await q.ClaimAsync("TASK-0001", "timmy");
        // A person edits the file: a note in the first task, a new task at the end.
        string edited = File.ReadAllText(path).Replace("  Body of task 1.\n", "  Body of task 1.\n  A person's note.\n")
            + "* PENDING Typed by hand :timmy:\n:PROPERTIES:\n:ID: HAND-1\n:END:\n";
        File.WriteAllText(path, edited);
        await q.DoneAsync("TASK-0001", "timmy", "ok");
        await q.ClaimAsync("HAND-1", "timmy");
        string after = File.ReadAllText(path);
        Assert.Contains("  A person's note.\n", after);
        Assert.Contains("* IN_PROGRESS Typed by hand :timmy:", after);
        Assert.Contains("* DONE Task number 1", after);
    }

    [Fact]
    public async Task A_lock_held_too_long_is_a_clear_error_and_the_file_is_unchanged()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(1));
        string before = File.ReadAllText(path);
        using (new FileStream(dir.File(".dispatch.org.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var e = await Assert.ThrowsAsync<DispatchStoreException>(() => Open(path, TimeSpan.FromMilliseconds(200)).ClaimAsync("TASK-0001", "timmy"));
            Assert.Contains("stayed locked by another process for 0.2 s", e.Message);
        }
        Assert.Equal(before, File.ReadAllText(path));
        Assert.Equal(ClaimOutcome.Claimed, (await Open(path).ClaimAsync("TASK-0001", "timmy")).Outcome);
    }

    [Fact]
    public async Task A_vanished_file_is_a_clear_error()
    {
        using var dir = new TempDirectory();
        var e = await Assert.ThrowsAsync<DispatchStoreException>(() => Open(dir.File("gone.org")).ClaimAsync("TASK-0001", "timmy"));
        Assert.Equal($"The dispatch file {dir.File("gone.org")} does not exist (create one with `org-dispatch init`).", e.Message);
        var missingDir = await Assert.ThrowsAsync<DispatchStoreException>(() => Open(dir.File("no/such/dir.org")).PollAsync("timmy"));
        Assert.Contains("dir.org", missingDir.Message);
    }

    [Fact]
    public async Task A_rejected_move_writes_nothing()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(1));
        DateTime stamp = File.GetLastWriteTimeUtc(path);
        long inode = Inode(path);
        await Assert.ThrowsAsync<IllegalTransitionException>(() => Open(path).DoneAsync("TASK-0001", "timmy", "ok"));
        await Open(path).PollAsync("timmy");
        Assert.Equal((stamp, inode), (File.GetLastWriteTimeUtc(path), Inode(path)));
    }

    [Fact]
    public async Task The_file_keeps_its_permissions_and_stale_temp_files_are_removed()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(1));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        string stale = dir.File(".dispatch.org.999-deadbeef.tmp");
        File.WriteAllText(stale, "half a write");
        long inode = Inode(path);
        await Open(path).ClaimAsync("TASK-0001", "timmy");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
        Assert.NotEqual(inode, Inode(path)); // replaced by rename, not rewritten in place
        Assert.False(File.Exists(stale));
        Assert.Equal([".dispatch.org.lock", "dispatch.org"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Init_creates_a_file_org_understands_and_refuses_to_overwrite()
    {
        using var dir = new TempDirectory();
        string path = dir.File("new.org");
        await FileDispatchStore.CreateAsync(path, DispatchQueue.NewFileText());
        Assert.Equal("#+TITLE: Dispatch\n#+TODO: PENDING IN_PROGRESS | DONE SKIPPED FAILED\n\n* Activity\n", File.ReadAllText(path));
        Assert.Empty((await Open(path).GetStatusAsync()).Problems);
        var e = await Assert.ThrowsAsync<DispatchStoreException>(() => FileDispatchStore.CreateAsync(path, "x"));
        Assert.Contains("already exists", e.Message);
        Assert.StartsWith("#+TITLE: Dispatch", File.ReadAllText(path));
    }

    private static long Inode(string path) =>
        long.Parse(ProcessRunner.Run("stat", ["-c", "%i", path], TimeSpan.FromSeconds(10)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
}
