using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Queue;

/// <summary>Writers that do not take OrgDispatch's lock (a person's editor, <c>echo &gt;&gt;</c>, a sync
/// tool), symlinks, hard links and files that change shape: nothing they write is lost, the file's
/// name, owner and mode stay.</summary>
public sealed class ForeignWriteTests
{
    private const string PersonsTask = "* PENDING A task the person added\n:PROPERTIES:\n:ID: PERSON-1\n:END:\n";

    [Fact]
    public async Task A_write_without_the_lock_between_read_and_rename_is_kept_and_the_change_runs_again()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(2));
        int checks = 0;
        var store = new FileDispatchStore(path) { BeforeCheckForTests = p => { if (checks++ == 0) File.AppendAllText(p, PersonsTask); } };

        Assert.Equal("TASK-0001", (await new DispatchQueue(store).NextAsync("ezra"))?.Id);

        Assert.Equal(2, checks); // the first attempt saw the append and gave way; the second wrote
        string text = File.ReadAllText(path);
        Assert.EndsWith(PersonsTask, text, StringComparison.Ordinal);
        Assert.Contains(":CLAIMED_BY: ezra", text, StringComparison.Ordinal);
        Assert.Equal(["TASK-0001", "TASK-0002", "PERSON-1"], (await new DispatchQueue(new FileDispatchStore(path)).GetTasksAsync()).Select(t => t.Id));
    }

    [Fact]
    public async Task A_same_length_rewrite_in_place_within_one_clock_tick_is_seen_by_its_bytes()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(2));
        int checks = 0;
        // In place: same inode, same size, and (within a tick of the file's last change) the same
        // times; only the bytes differ.
        var store = new FileDispatchStore(path)
        {
            BeforeCheckForTests = p =>
            {
                if (checks++ > 0) return;
                byte[] text = File.ReadAllBytes(p);
                int at = System.Text.Encoding.UTF8.GetString(text).IndexOf("Task number 2", StringComparison.Ordinal);
                using var fs = new FileStream(p, FileMode.Open, FileAccess.Write);
                fs.Position = at;
                fs.Write("Task NUMBER 2"u8);
            },
        };
        await new DispatchQueue(store).ClaimAsync("TASK-0001", "ezra");
        Assert.Equal(2, checks);
        string after = File.ReadAllText(path);
        Assert.Contains("* PENDING Task NUMBER 2", after, StringComparison.Ordinal);
        Assert.Contains(":CLAIMED_BY: ezra", after, StringComparison.Ordinal);
    }

    [Fact]
    public void Equal_times_are_trusted_only_when_the_last_change_was_not_recent()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, "* PENDING one\n");
        byte[] read = File.ReadAllBytes(path);
        // A same-length rewrite that (as two writes in one clock tick can) leaves the identity as it was.
        File.WriteAllText(path, "* PENDING ONE\n");
        FileIdentity seen = FileIdentity.OfPath(path)!.Value;
        Assert.False(FileDispatchStore.StillAsRead(path, read, seen, FileIdentity.NowNs())); // recent: the bytes decide
        Assert.True(FileDispatchStore.StillAsRead(path, read, seen, FileIdentity.NowNs() + (long)TimeSpan.FromHours(1).TotalNanoseconds)); // long ago: the identity decides
        Assert.True(FileDispatchStore.StillAsRead(path, File.ReadAllBytes(path), seen, FileIdentity.NowNs()));
    }

    [Fact]
    public async Task A_write_that_lands_in_the_replaced_file_after_the_rename_is_brought_back()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(2));
        FileStream? late = null;
        int renames = 0;
        // The writer opened the file before the rename and writes after it: into the old inode.
        var store = new FileDispatchStore(path)
        {
            BeforeCheckForTests = p => late ??= new FileStream(p, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete),
            AfterRenameForTests = _ =>
            {
                if (renames++ > 0 || late is null) return;
                late.Write(System.Text.Encoding.UTF8.GetBytes(PersonsTask));
                late.Dispose();
            },
        };
        await new DispatchQueue(store).ClaimAsync("TASK-0002", "ezra");
        Assert.Equal(2, renames);
        string after = File.ReadAllText(path);
        Assert.EndsWith(PersonsTask, after, StringComparison.Ordinal);
        Assert.Contains(":CLAIMED_BY: ezra", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_writer_that_never_stops_is_a_clear_error_and_every_one_of_its_writes_is_kept()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(1));
        int writes = 0;
        var store = new FileDispatchStore(path) { BeforeCheckForTests = p => File.AppendAllText(p, $"\nnote {++writes}\n") };
        var e = await Assert.ThrowsAsync<DispatchStoreException>(() => new DispatchQueue(store).ClaimAsync("TASK-0001", "ezra"));
        Assert.Equal(FileStoreErrorCodes.ForeignWrites, e.Code);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Equal(FileDispatchStore.MaxForeignAttempts, writes);
        string text = File.ReadAllText(path);
        Assert.All(Enumerable.Range(1, writes), n => Assert.Contains($"note {n}\n", text, StringComparison.Ordinal));
        Assert.DoesNotContain("CLAIMED_BY", text, StringComparison.Ordinal);
        Assert.Equal(["dispatch.org"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Where(n => !n!.EndsWith(".lock", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_symlinked_file_keeps_its_link_its_mode_and_its_owner_through_a_hundred_operations()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("real"));
        Directory.CreateDirectory(dir.File("dotfiles"));
        string target = dir.File("real/dispatch.org");
        File.WriteAllText(target, DispatchFiles.Pending(60));
        string link = dir.File("dotfiles/dispatch.org");
        File.CreateSymbolicLink(link, "../real/dispatch.org"); // relative, as dotfile managers make them
        string outer = dir.File("dispatch.org");
        File.CreateSymbolicLink(outer, link); // and a chain
        bool root = Environment.UserName == "root";
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            if (root) ProcessRunner.Run("chown", ["12345:23456", target], TimeSpan.FromSeconds(10));
        }
        var queue = new DispatchQueue(new FileDispatchStore(outer));
        for (int i = 0; i < 50; i++)
        {
            string id = (await queue.NextAsync("ezra"))!.Id;
            await queue.DoneAsync(id, "ezra", $"done {i}");
        }
        Assert.Equal("../real/dispatch.org", new FileInfo(link).LinkTarget);
        Assert.Equal(link, new FileInfo(outer).LinkTarget);
        Assert.Equal(50, (await new DispatchQueue(new FileDispatchStore(target)).GetTasksAsync()).Count(t => t.State == TaskState.Done));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(target));
            if (root) Assert.Equal("12345:23456", ProcessRunner.Run("stat", ["-c", "%u:%g", target], TimeSpan.FromSeconds(10)).Trim());
        }
        // The lock and temp files live beside the target, so every path to the file shares one lock.
        Assert.True(File.Exists(dir.File("real/.dispatch.org.lock")));
        Assert.Empty(Directory.GetFiles(dir.File("real"), "*.tmp"));
    }

    [Fact]
    public async Task A_hard_linked_file_is_refused_and_left_unchanged()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(1));
        ProcessRunner.Run("ln", [path, dir.File("other-name.org")], TimeSpan.FromSeconds(10));
        byte[] before = File.ReadAllBytes(path);
        var e = await Assert.ThrowsAsync<DispatchStoreException>(() => new DispatchQueue(new FileDispatchStore(path)).ClaimAsync("TASK-0001", "ezra"));
        Assert.Equal(FileStoreErrorCodes.HardLinked, e.Code);
        Assert.Contains("2 hard links", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(before, File.ReadAllBytes(dir.File("other-name.org")));
    }

    [Fact]
    public async Task A_file_that_vanishes_or_becomes_a_folder_is_a_clear_error_and_is_not_recreated()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(1));
        var store = new FileDispatchStore(path) { BeforeCheckForTests = File.Delete };
        var e = await Assert.ThrowsAsync<DispatchStoreException>(() => new DispatchQueue(store).ClaimAsync("TASK-0001", "ezra"));
        Assert.Equal(FileStoreErrorCodes.FileMissing, e.Code);
        Assert.Contains("not recreated", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));

        Directory.CreateDirectory(path);
        e = await Assert.ThrowsAsync<DispatchStoreException>(() => new DispatchQueue(new FileDispatchStore(path)).ClaimAsync("TASK-0001", "ezra"));
        Assert.Equal(FileStoreErrorCodes.NotAFile, e.Code);
        e = await Assert.ThrowsAsync<DispatchStoreException>(() => new DispatchQueue(new FileDispatchStore(path)).GetTasksAsync());
        Assert.Equal(FileStoreErrorCodes.NotAFile, e.Code);

        e = await Assert.ThrowsAsync<DispatchStoreException>(() => new DispatchQueue(new FileDispatchStore(dir.File("gone/dispatch.org"))).ClaimAsync("TASK-0001", "ezra"));
        Assert.Equal(FileStoreErrorCodes.FileMissing, e.Code);
    }

    [RequiresFact(Requirements.Mount)]
    public async Task A_full_disk_is_a_clear_error_the_file_is_intact_and_work_resumes_when_space_is_freed()
    {
        using var disk = Tmpfs.Mount(kib: 512);
        string path = disk.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(40));
        var queue = new DispatchQueue(new FileDispatchStore(path));
        Assert.Equal("TASK-0001", (await queue.NextAsync("ezra"))?.Id);
        byte[] before = File.ReadAllBytes(path);
        string filler = disk.Fill();

        var e = await Assert.ThrowsAsync<DispatchStoreException>(() => queue.NextAsync("ezra"));
        Assert.Equal(FileStoreErrorCodes.NoSpace, e.Code);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("it is unchanged", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(disk.Path, "*.tmp"));
        Assert.Equal(40, (await queue.GetTasksAsync()).Count); // reading needs no space

        File.Delete(filler);
        Assert.Equal("TASK-0002", (await queue.NextAsync("ezra"))?.Id);
    }

    [RequiresFact(Requirements.Mount)]
    public async Task A_read_only_file_system_is_a_clear_error_and_work_resumes_when_it_is_writable()
    {
        using var disk = Tmpfs.Mount(kib: 512);
        string path = disk.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(3));
        var queue = new DispatchQueue(new FileDispatchStore(path));
        Assert.Equal("TASK-0001", (await queue.NextAsync("ezra"))?.Id); // the lock file exists from here on
        byte[] before = File.ReadAllBytes(path);
        disk.ReadOnly(true);
        try
        {
            var e = await Assert.ThrowsAsync<DispatchStoreException>(() => queue.NextAsync("ezra"));
            Assert.Equal(FileStoreErrorCodes.ReadOnly, e.Code);
            Assert.Contains("it is unchanged", e.Message, StringComparison.Ordinal);
            Assert.Equal(3, (await queue.GetTasksAsync()).Count);
        }
        finally
        {
            disk.ReadOnly(false);
        }
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal("TASK-0002", (await queue.NextAsync("ezra"))?.Id);
    }

    [RequiresFact(Requirements.Root)]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void A_folder_this_user_may_not_write_is_a_clear_error_and_work_resumes_when_it_may()
    {
        // Root may write anywhere: the CLI runs as nobody, a real process without the permission.
        using var dir = new TempDirectory();
        string folder = Directory.CreateDirectory(dir.File("shared")).FullName;
        string path = Path.Combine(folder, "dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(2));
        File.WriteAllText(Path.Combine(folder, ".dispatch.org.lock"), "");
        foreach (string f in (string[])[path, Path.Combine(folder, ".dispatch.org.lock")]) File.SetUnixFileMode(f, (UnixFileMode)0b110_110_110);
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0b111_101_101);
        byte[] before = File.ReadAllBytes(path);
        (int code, string output, string err) = AsNobody(["next", "--agent", "ezra", "--file", path, "--json"]);
        Assert.True(code == 2, err);
        Assert.Contains($"\"code\": \"{FileStoreErrorCodes.PermissionDenied}\"", output, StringComparison.Ordinal);
        Assert.Contains("it is unchanged", output, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));

        File.SetUnixFileMode(folder, (UnixFileMode)0b111_111_111);
        (code, output, err) = AsNobody(["next", "--agent", "ezra", "--file", path]);
        Assert.True(code == 0, err);
        Assert.StartsWith("claimed TASK-0001", output, StringComparison.Ordinal);
    }

    private static (int Code, string Out, string Err) AsNobody(string[] args)
    {
        System.Diagnostics.ProcessStartInfo psi = Cli.CliProcess.StartInfo(args, new Dictionary<string, string?> { ["HOME"] = Path.GetTempPath(), ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" });
        psi.ArgumentList.Insert(0, psi.FileName);
        foreach (string a in ((string[])["--reuid=65534", "--regid=65534", "--clear-groups", "--"]).Reverse()) psi.ArgumentList.Insert(0, a);
        psi.FileName = "setpriv";
        return ProcessRunner.Exec(psi, TimeSpan.FromMinutes(2));
    }
}
