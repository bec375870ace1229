using System.Diagnostics;
using OrgDispatch.Tests.Emacs;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Cli;

/// <summary>The CLI over the emacs and ssh transports: options, the original tool's environment
/// variables, eval and errors.</summary>
public sealed class EmacsCliTests
{
    [Fact]
    public void Eval_on_the_file_transport_is_refused_with_a_reason()
    {
        using var dir = new TempDirectory();
        var (code, _, err) = CliProcess.Run(["eval", "(+ 1 2)", "--file", dir.File("dispatch.org")]);
        Assert.Equal(2, code);
        Assert.Contains("needs an Emacs", err, StringComparison.Ordinal);
        (code, _, err) = CliProcess.Run(["poll", "--agent", "a", "--transport", "ssh"]);
        Assert.Equal(2, code);
        Assert.Contains("needs --host", err, StringComparison.Ordinal);
        (code, _, err) = CliProcess.Run(["poll", "--agent", "a", "--transport", "carrier-pigeon"]);
        Assert.Equal(2, code);
        Assert.Contains("not a transport", err, StringComparison.Ordinal);
        (code, _, err) = CliProcess.Run(["poll", "--agent", "a", "--host", "h", "--ssh-engine", "putty"]);
        Assert.Equal(2, code);
        Assert.Contains("not an SSH engine", err, StringComparison.Ordinal);
        (code, _, err) = CliProcess.Run(["poll", "--agent", "a", "--host", "h", "--ssh-engine", "sshnet", "--ssh-config", "/etc/ssh/ssh_config"]);
        Assert.Equal(2, code);
        Assert.Contains("SSH.NET engine does not read them", err, StringComparison.Ordinal);
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task Commands_work_on_the_buffer_through_the_socket_and_the_original_variables()
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        string path = emacs.File("dispatch.org");
        await File.WriteAllTextAsync(path, DispatchFiles.Pending(3));

        var (code, output, err) = CliProcess.Run(["claim", "TASK-0002", "--agent", "ezra", "--socket", emacs.SocketPath, "--file", path]);
        Assert.True(code == 0, err);
        Assert.StartsWith("claimed TASK-0002", output, StringComparison.Ordinal);
        Assert.Contains(":CLAIMED_BY: ezra", await EmacsStoreTests.BufferTextAsync(emacs, path), StringComparison.Ordinal);

        // A crontab of the original tool: EMACS_SOCKET and DISPATCH_FILE, no new options; emacs is inferred.
        var legacy = new Dictionary<string, string?> { ["EMACS_SOCKET"] = emacs.SocketPath, ["DISPATCH_FILE"] = path };
        (code, output, err) = CliProcess.Run(["poll", "--agent", "timmy"], legacy);
        Assert.True(code == 0, err);
        Assert.Contains("TASK-0001", output, StringComparison.Ordinal);
        Assert.DoesNotContain("TASK-0002", output, StringComparison.Ordinal);

        (code, output, err) = CliProcess.Run(["eval", "(with-current-buffer (find-buffer-visiting \"" + path + "\") (list (buffer-modified-p) \"é→😀\"))"], legacy);
        Assert.True(code == 0, err);
        Assert.Equal("(nil \"é→😀\")", output.Trim());
        (code, output, _) = CliProcess.Run(["eval", "(car", "--json"], legacy);
        Assert.Equal(2, code);
        Assert.Contains("\"code\": \"lisp_error\"", output, StringComparison.Ordinal);

        // --transport file beats the inferred emacs: the same command reads the file on disk.
        (code, output, _) = CliProcess.Run(["show", "TASK-0002", "--transport", "file"], legacy);
        Assert.Equal(0, code);
        Assert.Contains("ezra", output, StringComparison.Ordinal);

        await emacs.KillAsync();
        (code, output, err) = CliProcess.Run(["poll", "--agent", "timmy", "--json"], legacy);
        Assert.Equal(2, code);
        Assert.Contains("\"code\": \"daemon_not_running\"", output, StringComparison.Ordinal);
        Assert.Contains("not running", err, StringComparison.Ordinal);
        File.Delete(emacs.SocketPath);
        (code, output, err) = CliProcess.Run(["poll", "--agent", "timmy", "--json"], legacy);
        Assert.Equal(2, code);
        Assert.Contains("\"code\": \"socket_missing\"", output, StringComparison.Ordinal);
    }

    [RequiresTheory(Requirements.Emacs, Requirements.Sshd)]
    [InlineData("openssh")]
    [InlineData("sshnet")]
    public async Task Commands_work_over_ssh_with_the_original_variables(string engine)
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        await using var sshd = await SshServer.StartAsync();
        string path = emacs.File("dispatch.org");
        await File.WriteAllTextAsync(path, DispatchFiles.Pending(3));
        var env = new Dictionary<string, string?>
        {
            ["BEZALEL_HOST"] = "127.0.0.1",
            ["BEZALEL_USER"] = Environment.UserName,
            ["BEZALEL_SSH_KEY"] = sshd.UserKey,
            ["BEZALEL_SSH_TIMEOUT"] = "5",
            ["ORGDISPATCH_SSH_PORT"] = sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ORGDISPATCH_SSH_CONFIG"] = sshd.ClientConfig, // for known_hosts; the options above win over it (SSH.NET ignores it)
            ["ORGDISPATCH_SSH_ENGINE"] = engine,
            ["ORGDISPATCH_SSH_KNOWN_HOSTS"] = engine == "sshnet" ? sshd.KnownHosts : null,
            ["EMACS_SOCKET"] = emacs.SocketPath,
            ["DISPATCH_FILE"] = path,
        };
        try
        {
            var (code, output, err) = CliProcess.Run(["next", "--agent", "ezra"], env);
            Assert.True(code == 0, err);
            Assert.StartsWith("claimed TASK-0001", output, StringComparison.Ordinal);
            (code, output, err) = CliProcess.Run(["eval", "(emacs-pid)"], env);
            Assert.True(code == 0, err);
            Assert.Equal(emacs.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), output.Trim());
            (code, output, err) = CliProcess.Run(["status", "--json"], env);
            Assert.True(code == 0, err);
            Assert.Equal(1, System.Text.Json.JsonDocument.Parse(output).RootElement.GetProperty("counts").GetProperty("in_progress").GetInt32());
            // Three commands, three processes: OpenSSH's shared connection outlives each command (one
            // login); SSH.NET's lives in the process (one login each).
            Assert.Equal(engine == "openssh" ? 1 : 3, sshd.Logins);
        }
        finally
        {
            CliProcess.Run(["eval", "t"], env); // make sure the shared connection is known, then end it
            ProcessRunner.Run("sh", ["-c", $"for s in /tmp/orgdispatch-{OrgDispatch.Emacs.EmacsServerEndpoint.UserId()}/*.ctl; do ssh -o ControlPath=$s -O exit x 2>/dev/null; done; true"], TimeSpan.FromSeconds(30));
        }
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task A_hub_serves_the_buffer_and_evaluates_lisp_when_allowed()
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        string path = emacs.File("dispatch.org");
        await File.WriteAllTextAsync(path, DispatchFiles.Pending(2));
        using Process serve = Process.Start(CliProcess.StartInfo(["serve", "--socket", emacs.SocketPath, "--file", path, "--port", "0", "--allow-eval"]))!;
        try
        {
            string first = (await serve.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)))!;
            Assert.StartsWith($"serving {path} in Emacs at {emacs.SocketPath} on 127.0.0.1:", first);
            string hub = first[(first.LastIndexOf(' ') + 1)..];

            var (code, output, err) = CliProcess.Run(["next", "--hub", hub, "--agent", "ann"]);
            Assert.True(code == 0, err);
            Assert.Contains(":CLAIMED_BY: ann", await EmacsStoreTests.BufferTextAsync(emacs, path), StringComparison.Ordinal);
            (code, output, err) = CliProcess.Run(["eval", "(list (+ 1 2) \"é\")", "--hub", hub]);
            Assert.True(code == 0, err);
            Assert.Equal("(3 \"é\")", output.Trim());
            // A Lisp error through the hub keeps the code it has on the emacs transport.
            (code, output, _) = CliProcess.Run(["eval", "(car", "--hub", hub, "--json"]);
            Assert.Equal(2, code);
            Assert.Contains("\"code\": \"lisp_error\"", output, StringComparison.Ordinal);
        }
        finally
        {
            Process.Start("kill", ["-TERM", serve.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            Assert.True(serve.WaitForExit(30_000), "serve did not stop on SIGTERM");
        }
    }
}
