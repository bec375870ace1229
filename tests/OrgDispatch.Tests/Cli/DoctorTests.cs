using System.Diagnostics;
using System.Text.Json;
using OrgDispatch.Tests.Emacs;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Cli;

/// <summary><c>org-dispatch doctor</c> as a separate process: each check, what it reports, what it tells to fix.</summary>
public sealed class DoctorTests
{
    private static List<(string Name, string Outcome, string? Fix)> Checks(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("checks").EnumerateArray()
            .Select(c => (c.GetProperty("name").GetString()!, c.GetProperty("outcome").GetString()!, c.GetProperty("fix").GetString())).ToList();

    [Fact]
    public void A_healthy_file_passes_every_check_and_nothing_is_changed()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(3));
        var (code, output, err) = CliProcess.Run(["doctor", "--file", path]);
        Assert.True(code == 0, err + output);
        Assert.EndsWith("all checks passed\n", output.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
        (code, output, _) = CliProcess.Run(["doctor", "--file", path, "--json"]);
        Assert.Equal(0, code);
        Assert.Equal([("file", "ok"), ("read", "ok"), ("write", "ok"), ("lock", "ok"), ("tasks", "ok")], Checks(output).Select(c => (c.Name, c.Outcome)));
        Assert.Equal(DispatchFiles.Pending(3), File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void A_missing_file_a_hard_link_and_problems_in_the_file_each_say_what_to_fix()
    {
        using var dir = new TempDirectory();
        var (code, output, _) = CliProcess.Run(["doctor", "--file", dir.File("none.org"), "--json"]);
        Assert.Equal(2, code);
        var missing = Assert.Single(Checks(output));
        Assert.Equal(("file", "failed"), (missing.Name, missing.Outcome));
        Assert.Contains("org-dispatch init", missing.Fix, StringComparison.Ordinal);

        string path = dir.File("dispatch.org");
        // A duplicate id, and a keyword the #+TODO: line does not declare.
        File.WriteAllText(path, DispatchFiles.Pending(2).Replace("TASK-0002", "TASK-0001", StringComparison.Ordinal) + "* WAITING Something\n:PROPERTIES:\n:ID: W-1\n:END:\n");
        (code, output, _) = CliProcess.Run(["doctor", "--file", path, "--json"]);
        Assert.Equal(2, code);
        List<(string Name, string Outcome, string? Fix)> checks = Checks(output);
        Assert.Contains(checks, c => c is ("duplicate-id", "failed", { }));
        Assert.All(checks.Where(c => c.Name is "file" or "read" or "write" or "lock"), c => Assert.Equal("ok", c.Outcome));

        ProcessRunner.Run("ln", [path, dir.File("second-name.org")], TimeSpan.FromSeconds(10));
        (code, output, _) = CliProcess.Run(["doctor", "--file", path, "--json"]);
        Assert.Equal(2, code);
        Assert.Contains(Checks(output), c => c.Name == "file" && c.Outcome == "failed" && c.Fix!.Contains("symlink", StringComparison.Ordinal));
    }

    [Fact]
    public void A_lock_held_by_another_process_is_a_warning()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(1));
        using (new FileStream(dir.File(".dispatch.org.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)) // flock, as a busy writer holds it
        {
            var (code, output, _) = CliProcess.Run(["doctor", "--file", path, "--json"]);
            Assert.Equal(0, code);
            Assert.Contains(Checks(output), c => c.Name == "lock" && c.Outcome == "warning");
        }
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task Emacs_and_a_hub_are_reached_or_the_reason_is_given()
    {
        using var dir = new TempDirectory();
        var (code, output, _) = CliProcess.Run(["doctor", "--socket", dir.File("no-such-socket"), "--file", dir.File("d.org"), "--json"]);
        Assert.Equal(2, code);
        var emacs = Assert.Single(Checks(output));
        Assert.Equal(("emacs", "failed"), (emacs.Name, emacs.Outcome));
        Assert.Contains("--daemon", emacs.Fix, StringComparison.Ordinal);

        await using var daemon = await EmacsDaemon.StartAsync();
        string path = daemon.File("dispatch.org");
        await File.WriteAllTextAsync(path, DispatchFiles.Pending(2));
        (code, output, _) = CliProcess.Run(["doctor", "--socket", daemon.SocketPath, "--file", path, "--json"]);
        Assert.Equal(0, code);
        Assert.Equal([("emacs", "ok"), ("tasks", "ok")], Checks(output).Select(c => (c.Name, c.Outcome)));

        (code, output, _) = CliProcess.Run(["doctor", "--hub", $"127.0.0.1:{FreePort.Next()}", "--json"]);
        Assert.Equal(2, code);
        Assert.Equal(("hub", "failed"), Checks(output).Select(c => (c.Name, c.Outcome)).Single());
        using Process serve = Process.Start(CliProcess.StartInfo(["serve", "--file", path, "--port", "0"]))!;
        try
        {
            string first = (await serve.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)))!;
            (code, output, _) = CliProcess.Run(["doctor", "--hub", first[(first.LastIndexOf(' ') + 1)..], "--json"]);
            Assert.Equal(0, code);
            Assert.Equal([("hub", "ok"), ("tasks", "ok")], Checks(output).Select(c => (c.Name, c.Outcome)));
        }
        finally
        {
            serve.Kill();
            serve.WaitForExit(30_000);
        }
    }
}
