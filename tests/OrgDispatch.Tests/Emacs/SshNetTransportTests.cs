using System.Net;
using OrgDispatch.Emacs;
using OrgDispatch.Queue;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Emacs;

/// <summary>What only the SSH.NET engine does itself: host key checking against known_hosts, key
/// files of each type, and the loopback TCP channel with its one-use keys. Against a real sshd.</summary>
public sealed class SshNetTransportTests
{
    [RequiresFact(Requirements.Emacs, Requirements.Sshd)]
    public async Task Queue_operations_share_one_login_and_go_over_the_keyed_tcp_channel()
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        await using var sshd = await SshServer.StartAsync();
        await using var client = new SshNetEmacsClient(sshd.SshNetOptions, emacs.SocketPath);
        string path = emacs.File("dispatch.org");
        await File.WriteAllTextAsync(path, EmacsStoreTests.Text);
        await using (var store = new EmacsDispatchStore(client, path))
        {
            var clock = new ManualClock(EmacsStoreTests.Start);
            await EmacsStoreTests.RunScriptAsync(EmacsStoreTests.Queue(store, clock), clock);
            // The store's requests went over an accepted, keyed connection to the TCP channel.
            Assert.Equal("1", (await emacs.Client.EvaluateAsync(
                "(length (seq-filter (lambda (p) (and (string-prefix-p \"orgdispatch-tcp <\" (process-name p)) (eq (process-filter p) #'orgdispatch--channel-filter))) (process-list)))")).Text);
        }
        Assert.Equal("(\"é→😀\" 3)", (await client.EvaluateAsync("(list \"é→😀\" (+ 1 2))")).Text);
        Assert.Equal(1, sshd.Logins);
        var error = await Assert.ThrowsAsync<EmacsServerException>(() => client.EvaluateAsync("(error \"Nope: %d\" 42)"));
        Assert.Equal((EmacsErrorKind.LispError, "Nope: 42"), (error.Kind, error.Message));
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task The_tcp_channel_lets_in_only_a_connection_with_a_key_it_handed_out_once_and_lately()
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        await using (var store = new EmacsDispatchStore(emacs.Client, emacs.File("dispatch.org"), new EmacsDispatchStoreOptions { UseChannel = false }))
        {
            await File.WriteAllTextAsync(emacs.File("dispatch.org"), DispatchFiles.Pending(1));
            await new DispatchQueue(store).GetTasksAsync(); // loads orgdispatch.el
        }
        async Task<(IPEndPoint Port, string Key)> HandOutAsync()
        {
            var answer = (OrgDispatch.Lisp.SexpList)(await emacs.Client.EvaluateAsync("(orgdispatch-channel-tcp)")).Read();
            string key = ((OrgDispatch.Lisp.SexpString)answer[1]).Value;
            Assert.Matches("^[0-9a-f]{64}$", key);
            return (new IPEndPoint(IPAddress.Loopback, (int)((OrgDispatch.Lisp.SexpInteger)answer[0]).Value), key);
        }
        async Task<bool> LetInAsync(IPEndPoint port, string key)
        {
            await using EmacsChannel channel = (await EmacsChannel.ConnectAsync(port, "test", key, TimeSpan.FromSeconds(10), CancellationToken.None))!;
            try
            {
                return await channel.EvaluateAsync("(progn (setq orgdispatch-test-let-in (1+ (or (bound-and-true-p orgdispatch-test-let-in) 0))) (+ 1 2))", CancellationToken.None) == "3";
            }
            catch (EmacsServerException e) when (e.Kind == EmacsErrorKind.ConnectionLost)
            {
                return false;
            }
        }

        var (port, key) = await HandOutAsync();
        Assert.False(await LetInAsync(port, new string('0', 64))); // a guess
        Assert.True(await LetInAsync(port, key));
        Assert.False(await LetInAsync(port, key)); // used
        var (_, second) = await HandOutAsync();
        Assert.NotEqual(key, second);
        await emacs.Client.EvaluateAsync("(dolist (entry orgdispatch--tcp-keys) (setcdr entry (- (float-time) 1)))");
        Assert.False(await LetInAsync(port, second)); // expired
        Assert.Equal("1", (await emacs.Client.EvaluateAsync("orgdispatch-test-let-in")).Text); // only the one let in ran anything
    }

    [RequiresFact(Requirements.Emacs, Requirements.Sshd)]
    public async Task An_unknown_host_is_refused_unless_accept_new_which_records_it_as_openssh_reads_it()
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        await using var sshd = await SshServer.StartAsync();
        string knownHosts = sshd.PathOf("fresh_known_hosts");
        SshOptions options = sshd.SshNetOptions with { KnownHostsFile = knownHosts };
        string fingerprint = ProcessRunner.Run("ssh-keygen", ["-l", "-E", "sha256", "-f", sshd.HostPublicKey], TimeSpan.FromSeconds(30)).Split(' ')[1];

        await using (var strict = new SshNetEmacsClient(options, emacs.SocketPath))
        {
            var e = await Assert.ThrowsAsync<EmacsServerException>(() => strict.EvaluateAsync("t"));
            Assert.Equal(EmacsErrorKind.AuthenticationFailed, e.Kind);
            Assert.Contains("not known", e.Message, StringComparison.Ordinal);
            Assert.Contains(fingerprint, e.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(knownHosts));
        }
        await using (var trusting = new SshNetEmacsClient(options with { AcceptNewHostKey = true }, emacs.SocketPath))
        {
            Assert.Equal("t", (await trusting.EvaluateAsync("t")).Text);
        }
        string hostKey = (await File.ReadAllTextAsync(sshd.HostPublicKey)).Split(' ')[1];
        Assert.Equal($"[127.0.0.1]:{sshd.Port} ssh-ed25519 {hostKey}\n", await File.ReadAllTextAsync(knownHosts));
        // OpenSSH finds the host in the line we wrote, and we find it once ssh-keygen has hashed the file.
        Assert.Contains(hostKey, ProcessRunner.Run("ssh-keygen", ["-F", $"[127.0.0.1]:{sshd.Port}", "-f", knownHosts], TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
        ProcessRunner.Run("ssh-keygen", ["-H", "-f", knownHosts], TimeSpan.FromSeconds(30));
        Assert.StartsWith("|1|", await File.ReadAllTextAsync(knownHosts), StringComparison.Ordinal);
        await using (var later = new SshNetEmacsClient(options, emacs.SocketPath))
        {
            Assert.Equal("t", (await later.EvaluateAsync("t")).Text);
        }
    }

    [RequiresFact(Requirements.Emacs, Requirements.Sshd)]
    public async Task A_changed_or_revoked_host_key_is_refused_even_with_accept_new()
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        await using var sshd = await SshServer.StartAsync();
        string impostor = sshd.PathOf("impostor");
        ProcessRunner.Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", impostor], TimeSpan.FromSeconds(30));
        string impostorKey = (await File.ReadAllTextAsync(impostor + ".pub")).Split(' ')[1];
        string changed = sshd.PathOf("changed_known_hosts");
        string before = $"# an old line\n127.0.0.2 ssh-ed25519 {impostorKey}\n[127.0.0.1]:{sshd.Port} ssh-ed25519 {impostorKey}\n";
        await File.WriteAllTextAsync(changed, before);
        await using (var client = new SshNetEmacsClient(sshd.SshNetOptions with { KnownHostsFile = changed, AcceptNewHostKey = true }, emacs.SocketPath))
        {
            var e = await Assert.ThrowsAsync<EmacsServerException>(() => client.EvaluateAsync("t"));
            Assert.Equal(EmacsErrorKind.AuthenticationFailed, e.Kind);
            Assert.Contains("CHANGED", e.Message, StringComparison.Ordinal);
            Assert.Contains(changed + ":3", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal(before, await File.ReadAllTextAsync(changed));

        string hostKey = (await File.ReadAllTextAsync(sshd.HostPublicKey)).Split(' ')[1];
        string revoked = sshd.PathOf("revoked_known_hosts");
        await File.WriteAllTextAsync(revoked, $"@revoked * ssh-ed25519 {hostKey}\n[127.0.0.1]:{sshd.Port} ssh-ed25519 {hostKey}\n");
        await using (var client = new SshNetEmacsClient(sshd.SshNetOptions with { KnownHostsFile = revoked }, emacs.SocketPath))
        {
            var e = await Assert.ThrowsAsync<EmacsServerException>(() => client.EvaluateAsync("t"));
            Assert.Equal(EmacsErrorKind.AuthenticationFailed, e.Kind);
            Assert.Contains("@revoked", e.Message, StringComparison.Ordinal);
        }
    }

    [RequiresTheory(Requirements.Emacs, Requirements.Sshd)]
    [InlineData("rsa", "a passphrase")]
    [InlineData("ecdsa", null)]
    [InlineData("ed25519", "another one")]
    public async Task Key_files_of_each_type_log_in_with_their_passphrase(string type, string? passphrase)
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        await using var sshd = await SshServer.StartAsync();
        string key = sshd.PathOf("key_" + type);
        ProcessRunner.Run("ssh-keygen", ["-q", "-t", type, "-N", passphrase ?? "", "-f", key], TimeSpan.FromSeconds(60));
        sshd.Authorize(key + ".pub");
        SshOptions options = sshd.SshNetOptions with { IdentityFile = key, IdentityPassphrase = passphrase };
        await using (var client = new SshNetEmacsClient(options, emacs.SocketPath))
        {
            Assert.Equal("3", (await client.EvaluateAsync("(+ 1 2)")).Text);
        }
        if (passphrase is null) return;
        await using (var without = new SshNetEmacsClient(options with { IdentityPassphrase = null }, emacs.SocketPath))
        {
            var e = await Assert.ThrowsAsync<EmacsServerException>(() => without.EvaluateAsync("t"));
            Assert.Equal(EmacsErrorKind.AuthenticationFailed, e.Kind);
            Assert.Contains("passphrase", e.Message, StringComparison.Ordinal);
            Assert.Contains(key, e.Message, StringComparison.Ordinal);
        }
        await using (var wrong = new SshNetEmacsClient(options with { IdentityPassphrase = "not it" }, emacs.SocketPath))
        {
            var e = await Assert.ThrowsAsync<EmacsServerException>(() => wrong.EvaluateAsync("t"));
            Assert.Equal(EmacsErrorKind.AuthenticationFailed, e.Kind);
            Assert.Contains(key, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Options_that_belong_to_the_other_engine_are_refused_with_a_reason()
    {
        var e = Assert.Throws<ArgumentException>(() => new SshNetEmacsClient(new SshOptions { Engine = SshEngine.SshNet, Host = "h", ConfigFile = "/x" }));
        Assert.Contains("OpenSSH", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => new SshEmacsClient(new SshOptions { Host = "h", IdentityPassphrase = "p" }));
        Assert.Contains("ssh-agent", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SshEmacsClient(new SshOptions { Host = "h", Engine = SshEngine.SshNet }));
        Assert.Throws<ArgumentException>(() => new SshNetEmacsClient(new SshOptions { Host = "h" }));
    }
}
