using OrgDispatch.Emacs;
using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Emacs;

/// <summary>The SSH transport against a real sshd on 127.0.0.1 and a real Emacs daemon "on the other host".</summary>
public sealed class SshTransportTests
{
    [RequiresFact(Requirements.Emacs, Requirements.Sshd)]
    public async Task Dozens_of_operations_take_one_ssh_login()
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        await using var sshd = await SshServer.StartAsync();
        var client = new SshEmacsClient(sshd.Options, emacs.SocketPath);
        try
        {
            string path = emacs.File("dispatch.org");
            await File.WriteAllTextAsync(path, EmacsStoreTests.Text);
            await using var store = new EmacsDispatchStore(client, path);
            var clock = new ManualClock(EmacsStoreTests.Start);
            await EmacsStoreTests.RunScriptAsync(EmacsStoreTests.Queue(store, clock), clock);
            Assert.Equal("(\"é→😀\" 3)", (await client.EvaluateAsync("(list \"é→😀\" (+ 1 2))")).Text);
            // The connection is shared, not renewed per operation (sshd logs each login).
            Assert.Equal(1, sshd.Logins);
        }
        finally
        {
            await client.CloseSharedConnectionAsync();
        }
    }

    [RequiresFact(Requirements.Emacs, Requirements.Sshd)]
    public async Task Explicit_user_port_and_key_and_a_socket_found_by_name()
    {
        string name = "orgdispatch-test-" + Guid.NewGuid().ToString("N")[..8];
        await using var emacs = await EmacsDaemon.StartAsync(socketName: name);
        await using var sshd = await SshServer.StartAsync();
        var options = new SshOptions
        {
            Host = "127.0.0.1",
            Port = sshd.Port,
            User = Environment.UserName,
            IdentityFile = sshd.UserKey,
            ExtraOptions = [$"UserKnownHostsFile={sshd.KnownHosts}", "StrictHostKeyChecking=yes", "IdentitiesOnly=yes"],
            ControlDirectory = sshd.ControlDirectory,
        };
        var client = new SshEmacsClient(options, name);
        try
        {
            Assert.Equal("3", (await client.EvaluateAsync("(+ 1 2)")).Text);
            Assert.Contains(emacs.SocketPath, client.Description, StringComparison.Ordinal);
        }
        finally
        {
            await client.CloseSharedConnectionAsync();
        }
    }

    [RequiresTheory(Requirements.Emacs, Requirements.Sshd)]
    [InlineData("ssh")]
    [InlineData("sshnet")]
    public async Task Unreachable_host_refused_key_missing_socket_and_dead_daemon_are_distinct_errors(string engine)
    {
        await using var sshd = await SshServer.StartAsync();
        string strangerKey = Path.Combine(sshd.ControlDirectory, "stranger");
        ProcessRunner.Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", strangerKey], TimeSpan.FromSeconds(30));
        IEmacsEvaluator nobody, stranger;
        if (engine == "ssh")
        {
            SshOptions good = sshd.Options;
            nobody = new SshEmacsClient(good with { Host = "127.0.0.1", ConfigFile = null, Port = FreePortForSsh(), ExtraOptions = ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null"] });
            stranger = new SshEmacsClient(good with
            {
                IdentityFile = strangerKey, ConfigFile = null, Host = "127.0.0.1", Port = sshd.Port, User = Environment.UserName,
                ExtraOptions = [$"UserKnownHostsFile={sshd.KnownHosts}", "IdentitiesOnly=yes"],
            });
        }
        else
        {
            nobody = new SshNetEmacsClient(sshd.SshNetOptions with { Port = FreePortForSsh() });
            stranger = new SshNetEmacsClient(sshd.SshNetOptions with { IdentityFile = strangerKey });
        }
        Assert.Equal(EmacsErrorKind.HostUnreachable, (await Assert.ThrowsAsync<EmacsServerException>(() => nobody.EvaluateAsync("t"))).Kind);
        var refused = await Assert.ThrowsAsync<EmacsServerException>(() => stranger.EvaluateAsync("t"));
        Assert.Equal(EmacsErrorKind.AuthenticationFailed, refused.Kind);

        await using var emacs = await EmacsDaemon.StartAsync();
        IEmacsEvaluator missing = sshd.Client(engine, emacs.SocketPath + "-nothing");
        IEmacsEvaluator client = sshd.Client(engine, emacs.SocketPath);
        try
        {
            var e = await Assert.ThrowsAsync<EmacsServerException>(() => missing.EvaluateAsync("t"));
            Assert.Equal(EmacsErrorKind.SocketMissing, e.Kind);
            Assert.Contains("-nothing", e.Message, StringComparison.Ordinal);

            Assert.Equal("t", (await client.EvaluateAsync("t")).Text);
            await emacs.KillAsync();
            e = await Assert.ThrowsAsync<EmacsServerException>(() => client.EvaluateAsync("t"));
            Assert.Equal(EmacsErrorKind.DaemonNotRunning, e.Kind);
            await emacs.RestartAsync();
            Assert.Equal("t", (await client.EvaluateAsync("t")).Text);
        }
        finally
        {
            await SshServer.CloseAsync(client);
            await SshServer.CloseAsync(missing);
        }
    }

    [RequiresTheory(Requirements.Emacs, Requirements.Sshd)]
    [InlineData("ssh")]
    [InlineData("sshnet")]
    public async Task The_host_going_down_is_a_clear_error_and_work_resumes_when_it_is_back(string engine)
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        await using var sshd = await SshServer.StartAsync();
        string path = emacs.File("dispatch.org");
        await File.WriteAllTextAsync(path, DispatchFiles.Pending(4));
        IEmacsEvaluator client = sshd.Client(engine, emacs.SocketPath);
        try
        {
            await using var store = new EmacsDispatchStore(client, path);
            var queue = new DispatchQueue(store);
            Assert.Equal("TASK-0001", (await queue.NextAsync("a1"))?.Id);

            await sshd.StopAsync();
            var e = await Assert.ThrowsAsync<DispatchStoreException>(() => queue.NextAsync("a1"));
            Assert.Equal(EmacsErrorKind.HostUnreachable, Assert.IsType<EmacsServerException>(e.InnerException).Kind);

            await sshd.StartAgainAsync();
            Assert.Equal("TASK-0002", (await queue.NextAsync("a1"))?.Id);
            var tasks = await new DispatchQueue(new FileDispatchStore(path)).GetTasksAsync();
            Assert.Equal(["a1", "a1", null, null], tasks.Select(t => t.Claim?.Agent));
        }
        finally
        {
            await SshServer.CloseAsync(client);
        }
    }

    private static int FreePortForSsh() => FreePort.Next();
}
