using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace OrgDispatch.Emacs;

/// <summary>
/// Evaluates Emacs Lisp in an Emacs daemon on another host, through the system OpenSSH client.
/// One SSH connection is shared (OpenSSH's <c>ControlMaster</c>, kept <see cref="SshOptions.ControlPersist"/>
/// after its last use, by this process and any other using the same host), and the daemon's server
/// socket is forwarded to a local socket through it, where <see cref="EmacsServerClient"/> speaks the
/// protocol natively. An operation costs one local connection and one SSH channel: no handshake, no
/// process started.
/// </summary>
/// <remarks>
/// Errors are told apart: the host cannot be reached, SSH refused us, the remote socket does not
/// exist, or it exists but no daemon answers. After a failure the next call sets the connection up
/// again, so an operation after the host or the daemon recovers just works. Needs OpenSSH 6.7 or
/// later on both sides and <c>AllowStreamLocalForwarding</c> (on by default) in the server's sshd_config.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The only disposable field is a SemaphoreSlim whose wait handle is never created; the shared SSH connection is meant to outlive the client (CloseSharedConnectionAsync ends it).")]
public sealed class SshEmacsClient : IEmacsEvaluator, IEmacsChannelRoute
{
    private readonly SshOptions _ssh;
    private readonly string _controlDirectory;
    private readonly string _remoteSocket;
    private readonly string _controlPath;
    private readonly string _localSocket;
    private readonly string _connection;
    private readonly string _lockPath;
    private readonly string _logPath;
    private readonly EmacsServerClient _local;
    private readonly SemaphoreSlim _setUp = new(1, 1);
    private string? _remotePath;

    /// <summary>Creates the client; nothing is started until the first evaluation.</summary>
    /// <param name="ssh">How to reach the host.</param>
    /// <param name="remoteSocket">The daemon's socket on that host: a name (looked for as emacsclient
    /// does there: <c>$XDG_RUNTIME_DIR/emacs/NAME</c>, then <c>${TMPDIR:-/tmp}/emacsUID/NAME</c>), or a path
    /// (absolute, or relative to the remote home); null for <c>server</c>.</param>
    /// <param name="timeout">How long one evaluation may take once connected; default 30 seconds.</param>
    public SshEmacsClient(SshOptions ssh, string? remoteSocket = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(ssh);
        ssh.Validate();
        if (ssh.Engine != SshEngine.OpenSsh) throw new ArgumentException($"{nameof(SshEmacsClient)} is the OpenSSH engine; for SSH.NET use {nameof(SshNetEmacsClient)}.", nameof(ssh));
        _ssh = ssh;
        _remoteSocket = string.IsNullOrWhiteSpace(remoteSocket) ? "server" : remoteSocket;
        string dir = _controlDirectory = ssh.ControlDirectory ?? DefaultControlDirectory();
        // Short names: a Unix socket path is limited to 107 bytes.
        string connection = Hash($"{ssh.User}|{ssh.Host}|{ssh.Port}|{ssh.ConfigFile}|{ssh.IdentityFile}|{ssh.KnownHostsFile}|{ssh.AcceptNewHostKey}|{string.Join('|', ssh.ExtraOptions)}");
        _connection = connection;
        string forward = Hash(connection + "|" + _remoteSocket);
        _controlPath = Path.Combine(dir, connection + ".ctl");
        _lockPath = Path.Combine(dir, connection + ".lock");
        _logPath = Path.Combine(dir, connection + ".log");
        _localSocket = Path.Combine(dir, forward + ".sock");
        _local = new EmacsServerClient(EmacsServerEndpoint.Socket(_localSocket), timeout);
    }

    /// <inheritdoc/>
    public string Description => $"{_ssh}:{_remotePath ?? _remoteSocket}";

    /// <summary>How long one evaluation may take once connected.</summary>
    public TimeSpan Timeout => _local.Timeout;

    bool IEmacsChannelRoute.CanRoute => true;

    /// <summary>Opens orgdispatch.el's channel beside the remote Emacs server socket, forwarded to a
    /// local socket through the shared connection.</summary>
    Task<EmacsChannel?> IEmacsChannelRoute.OpenChannelAsync(Func<string, CancellationToken, Task<Lisp.Sexp>> evaluate, CancellationToken cancellationToken) =>
        EmacsChannel.OpenBesideServerAsync(evaluate, ForwardAsync, Timeout, cancellationToken);

    private async Task<string> ForwardAsync(string remotePath, CancellationToken cancellationToken)
    {
        string local = Path.Combine(_controlDirectory, Hash(_connection + "|" + remotePath) + ".sock");
        if (!await SocketAcceptsAsync(local, cancellationToken).ConfigureAwait(false))
            await EnsureForwardAsync(local, _ => Task.FromResult(remotePath), cancellationToken).ConfigureAwait(false);
        return local;
    }

    /// <inheritdoc/>
    public async Task<EmacsResult> EvaluateAsync(string expression, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (!File.Exists(_localSocket)) await SetUpAsync(cancellationToken).ConfigureAwait(false);
        return await EvaluateThroughTunnelAsync(expression, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the shared SSH connection now (<c>ssh -O exit</c>) instead of after
    /// <see cref="SshOptions.ControlPersist"/>; other processes using it set up a new one.</summary>
    public async Task CloseSharedConnectionAsync(CancellationToken cancellationToken = default)
    {
        await RunSshAsync(["-O", "exit"], cancellationToken).ConfigureAwait(false);
        TryDelete(_localSocket);
    }

    private async Task<EmacsResult> EvaluateThroughTunnelAsync(string expression, CancellationToken cancellationToken)
    {
        var patience = Stopwatch.StartNew();
        bool setUpAgain = false;
        string? probe = null;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await _local.EvaluateAsync(expression, cancellationToken).ConfigureAwait(false);
            }
            catch (EmacsServerException e) when ((e.Kind is EmacsErrorKind.SocketMissing or EmacsErrorKind.DaemonNotRunning) && !setUpAgain)
            {
                // The local end of the tunnel is gone (the shared connection ended): nothing was sent; set it up again.
                setUpAgain = true;
                await SetUpAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (EmacsServerException e) when (e.NoReply)
            {
                // The tunnel accepted, but the far end could not connect to the socket (nothing was
                // evaluated). Ask the host why, once: a missing socket or a dead daemon is final; a
                // live one only had a full listen backlog (sshd tries each connection once, and
                // Emacs listens with a backlog of 5), so try again until the timeout.
                if (probe is null)
                {
                    switch (probe = await ProbeRemoteSocketAsync(cancellationToken).ConfigureAwait(false))
                    {
                        case "missing":
                            throw new EmacsServerException(EmacsErrorKind.SocketMissing,
                                $"No Emacs server socket at {_remotePath} on {_ssh}: start Emacs there with --daemon (or M-x server-start), or name its socket with --socket.", e);
                        case "refused":
                            throw DaemonDown(e);
                    }
                }
                if (patience.Elapsed > _local.Timeout)
                {
                    // Emacs is there (its own client got in) but never let us in: busy, not down.
                    throw probe == "alive"
                        ? new EmacsServerException(EmacsErrorKind.Timeout,
                            $"Emacs at {_remotePath} on {_ssh} is running but refused every connection for {_local.Timeout.TotalSeconds:0.#} s: it is too busy.", e)
                        : DaemonDown(e);
                }
                // Local clients wait their turn at the socket itself; ours is one attempt per channel,
                // so it tries often (a few ms apart) to get a fair share of a busy Emacs.
                await Task.Delay(Random.Shared.Next(1, 6), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private Task SetUpAsync(CancellationToken cancellationToken) =>
        EnsureForwardAsync(_localSocket, async t => _remotePath ??= await ResolveRemoteSocketAsync(t).ConfigureAwait(false), cancellationToken);

    // Makes LOCAL a forward of a remote socket through the shared connection, starting that
    // connection if it is down. Other processes share both: one sets them up at a time.
    private async Task EnsureForwardAsync(string local, Func<CancellationToken, Task<string>> remotePath, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_ssh.ConnectTimeout + TimeSpan.FromSeconds(20));
        await _setUp.WaitAsync(deadline.Token).ConfigureAwait(false);
        try
        {
            // Private: the control socket gives anyone who can reach it our SSH session.
            Directory.CreateDirectory(_controlDirectory);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_controlDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            using FileStream held = await LockAsync(deadline.Token).ConfigureAwait(false);
            if (await SocketAcceptsAsync(local, deadline.Token).ConfigureAwait(false)) return;
            if ((await RunSshAsync(["-O", "check"], deadline.Token).ConfigureAwait(false)).ExitCode != 0)
                await StartSharedConnectionAsync(deadline.Token).ConfigureAwait(false);
            string remote = await remotePath(deadline.Token).ConfigureAwait(false);
            TryDelete(local);
            SshRun forward = await RunSshAsync(["-O", "forward", "-L", $"{local}:{remote}"], deadline.Token).ConfigureAwait(false);
            if (forward.ExitCode != 0 || !File.Exists(local))
            {
                throw new EmacsServerException(EmacsErrorKind.SshFailed,
                    $"SSH to {_ssh} would not forward {remote} (is AllowStreamLocalForwarding off in the server's sshd_config?): {forward.Error}");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EmacsServerException(EmacsErrorKind.HostUnreachable, $"Setting up SSH to {_ssh} took too long (over {_ssh.ConnectTimeout.TotalSeconds:0.#} s to connect).");
        }
        finally
        {
            _setUp.Release();
        }
    }

    private async Task StartSharedConnectionAsync(CancellationToken cancellationToken)
    {
        // A master that was killed leaves its control socket; a new one could not listen there.
        TryDelete(_controlPath);
        TryDelete(_logPath);
        SshRun run = await RunSshAsync(
            [
                "-f", "-N", "-E", _logPath,
                "-o", "ControlMaster=yes",
                "-o", $"ControlPersist={(int)Math.Ceiling(_ssh.ControlPersist.TotalSeconds)}s",
                "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
                "-o", "StreamLocalBindUnlink=yes", "-o", "ExitOnForwardFailure=yes",
            ],
            cancellationToken).ConfigureAwait(false);
        if (run.ExitCode == 0) return;
        string log = File.Exists(_logPath) ? (await File.ReadAllTextAsync(_logPath, cancellationToken).ConfigureAwait(false)).Trim() : "";
        throw SshFailure(log.Length > 0 ? log : run.Error);
    }

    private EmacsServerException SshFailure(string message)
    {
        message = message.Trim();
        bool Says(string s) => message.Contains(s, StringComparison.OrdinalIgnoreCase);
        if (Says("Could not resolve") || Says("Connection refused") || Says("timed out") || Says("No route to host")
            || Says("Network is unreachable") || Says("Connection closed by") || Says("Connection reset"))
        {
            return new EmacsServerException(EmacsErrorKind.HostUnreachable, $"Cannot reach {_ssh} over SSH: {message}");
        }
        if (Says("Permission denied") || Says("Host key verification failed") || Says("REMOTE HOST IDENTIFICATION HAS CHANGED"))
        {
            return new EmacsServerException(EmacsErrorKind.AuthenticationFailed,
                $"SSH to {_ssh} was refused: {message} (check the user, the key (-i), the agent and known_hosts; ssh runs with BatchMode, so it never asks for a password).");
        }
        return new EmacsServerException(EmacsErrorKind.SshFailed, $"SSH to {_ssh} failed: {message}");
    }

    // The remote shell is the user's; sh -c gives us a known one. The path is an argument, quoted once.
    private const string ResolveScript =
        "s=$1; case $s in /*) ;; \"~/\"*) s=$HOME/${s#\"~/\"} ;; */*) s=$HOME/$s ;; "
        + "*) x=${XDG_RUNTIME_DIR:+$XDG_RUNTIME_DIR/emacs/$s}; t=${TMPDIR:-/tmp}/emacs$(id -u)/$s; "
        + "if [ -n \"$x\" ] && [ -S \"$x\" ]; then s=$x; elif [ -S \"$t\" ] || [ -z \"$x\" ]; then s=$t; else s=$x; fi ;; esac; printf '%s\\n' \"$s\"";

    private async Task<string> ResolveRemoteSocketAsync(CancellationToken cancellationToken)
    {
        SshRun run = await RunRemoteAsync(ResolveScript, _remoteSocket, cancellationToken).ConfigureAwait(false);
        string path = run.Output.Trim();
        if (run.ExitCode != 0 || !path.StartsWith('/')) throw SshFailure(run.Error.Length > 0 ? run.Error : $"could not resolve the Emacs socket \"{_remoteSocket}\" there");
        return path;
    }

    // missing: no socket; refused: emacsclient there is refused (a stale socket); alive: it got
    // through, waited, or failed otherwise (a full backlog); unknown: no emacsclient there to ask.
    private const string ProbeScript =
        "if [ ! -S \"$1\" ]; then echo missing; elif ! command -v emacsclient >/dev/null 2>&1; then echo unknown; "
        + "else t=; command -v timeout >/dev/null 2>&1 && t='timeout 10'; m=$($t emacsclient -s \"$1\" -e t 2>&1 >/dev/null); r=$?; "
        + "if [ $r = 0 ] || [ $r = 124 ]; then echo alive; else case $m in *refused*) echo refused ;; *) echo alive ;; esac; fi; fi";

    private async Task<string> ProbeRemoteSocketAsync(CancellationToken cancellationToken)
    {
        // Another process may have set the tunnel up, so this one may not know the path yet.
        _remotePath ??= await ResolveRemoteSocketAsync(cancellationToken).ConfigureAwait(false);
        SshRun run = await RunRemoteAsync(ProbeScript, _remotePath, cancellationToken).ConfigureAwait(false);
        if (run.ExitCode != 0) throw SshFailure(run.Error);
        return run.Output.Trim();
    }

    private EmacsServerException DaemonDown(EmacsServerException noReply) =>
        new(EmacsErrorKind.DaemonNotRunning,
            $"The Emacs socket {_remotePath} on {_ssh} exists but no Emacs answers: the daemon there is not running; restart it.", noReply);

    private Task<SshRun> RunRemoteAsync(string script, string argument, CancellationToken cancellationToken) =>
        RunSshAsync(["-o", "ControlMaster=no", "--", $"sh -c {Shell.Quote(script)} sh {Shell.Quote(argument)}"], cancellationToken, remote: true);

    private static async Task<bool> SocketAcceptsAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) return false;
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private async Task<FileStream> LockAsync(CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return new FileStream(_lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(Math.Min(100, 5 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<SshRun> RunSshAsync(IEnumerable<string> arguments, CancellationToken cancellationToken, bool remote = false)
    {
        var start = new ProcessStartInfo(_ssh.SshPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_ssh.ConfigFile is { } config) start.ArgumentList.Add("-F" + config);
        foreach (string option in (string[])["BatchMode=yes", $"ConnectTimeout={Math.Max(1, (int)Math.Ceiling(_ssh.ConnectTimeout.TotalSeconds))}", $"ControlPath={_controlPath}"])
        {
            start.ArgumentList.Add("-o");
            start.ArgumentList.Add(option);
        }
        List<string> options = [];
        // On ssh's command line the first value of an option wins: these, set explicitly, before the extras.
        // ssh splits this option's value on blanks (several files): quote the one path.
        if (_ssh.KnownHostsFile is { } knownHosts) options.Add($"UserKnownHostsFile=\"{knownHosts}\"");
        if (_ssh.AcceptNewHostKey) options.Add("StrictHostKeyChecking=accept-new");
        foreach (string option in options.Concat(_ssh.ExtraOptions))
        {
            start.ArgumentList.Add("-o");
            start.ArgumentList.Add(option);
        }
        if (_ssh.User is { } user) start.ArgumentList.Add("-l" + user);
        if (_ssh.Port is { } port) start.ArgumentList.Add("-p" + port);
        if (_ssh.IdentityFile is { } key) start.ArgumentList.Add("-i" + key);
        List<string> args = [.. arguments];
        int split = remote ? args.IndexOf("--") : args.Count;
        foreach (string a in args.Take(split)) start.ArgumentList.Add(a);
        start.ArgumentList.Add(_ssh.Host);
        foreach (string a in args.Skip(split + 1)) start.ArgumentList.Add(a);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("ssh did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new EmacsServerException(EmacsErrorKind.SshFailed, $"Cannot run {_ssh.SshPath}: {e.Message} (install the OpenSSH client).", e);
        }
        using (process)
        {
            process.StandardInput.Close();
            Task<string> output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            Task<string> error = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                throw;
            }
            // A backgrounded master might hold the pipes: do not wait on them for long.
            await Task.WhenAny(Task.WhenAll(output, error), Task.Delay(1000, CancellationToken.None)).ConfigureAwait(false);
            return new SshRun(process.ExitCode, output.IsCompletedSuccessfully ? output.Result : "", error.IsCompletedSuccessfully ? error.Result.Trim() : "");
        }
    }


    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    private static string DefaultControlDirectory() =>
        Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime
            ? Path.Combine(runtime, "orgdispatch")
            : Path.Combine("/tmp", "orgdispatch-" + EmacsServerEndpoint.UserId().ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
    }

    private readonly record struct SshRun(int ExitCode, string Output, string Error);
}
