using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using OrgDispatch.Lisp;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace OrgDispatch.Emacs;

/// <summary>
/// Evaluates Emacs Lisp in an Emacs daemon on another host through SSH.NET, in this process: no
/// <c>ssh</c> binary, no control socket, so it works on Windows too. One SSH connection per client,
/// shared by every operation (and set up again after it drops).
/// </summary>
/// <remarks>
/// SSH.NET cannot forward a Unix socket, so the daemon is reached two ways: an evaluation runs
/// <c>emacsclient</c> on the host in an exec channel (about as costly as a fresh <c>ssh</c> command
/// minus the handshake), and <see cref="EmacsDispatchStore"/> asks through it, once, for
/// <c>orgdispatch.el</c>'s channel on a loopback TCP port, which it then reaches through one
/// direct-tcpip forward: every queue operation after that is one frame each way. That port takes a
/// connection only with a one-use key handed in through the Emacs server, which only the daemon's
/// user can reach. Host keys are checked against known_hosts (<see cref="SshOptions.KnownHostsFile"/>):
/// an unknown host is refused unless <see cref="SshOptions.AcceptNewHostKey"/>, a changed key always.
/// SSH.NET has no agent support: the key comes from a file.
/// </remarks>
public sealed class SshNetEmacsClient : IEmacsEvaluator, IEmacsChannelRoute, IAsyncDisposable, IDisposable
{
    // sshd allows 10 sessions per connection by default (MaxSessions); forwards do not count.
    private const int MaxConcurrentCommands = 8;

    // emacsclient's argument passes through a shell and a locale: base64 keeps it ASCII both ways.
    private const string ExecTemplate =
        "(list (emacs-pid) (base64-encode-string (encode-coding-string (pp-to-string (eval (car (read-from-string "
        + "(decode-coding-string (base64-decode-string \"{0}\") (quote utf-8) t))) t)) (quote utf-8) t) t))";

    // Linux limits one argument to 128 KiB (MAX_ARG_STRLEN); base64 and the template must fit.
    private const int MaxExecForm = 90 * 1024;

    private readonly SshOptions _ssh;
    private readonly string _remoteSocket;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly SemaphoreSlim _commands = new(MaxConcurrentCommands, MaxConcurrentCommands);
    private SshClient? _client;
    private ForwardedPortLocal? _forward;
    private bool _disposed;

    /// <summary>Creates the client; nothing is connected until the first evaluation.</summary>
    /// <param name="ssh">How to reach the host; <see cref="SshOptions.Engine"/> must be <see cref="SshEngine.SshNet"/>.</param>
    /// <param name="remoteSocket">The daemon's socket on that host, as <c>emacsclient -s</c> takes it there:
    /// a name (found in <c>$XDG_RUNTIME_DIR/emacs/</c> or <c>${TMPDIR:-/tmp}/emacsUID/</c>) or a path
    /// (absolute, or relative to the remote home); null for <c>server</c>.</param>
    /// <param name="timeout">How long one evaluation may take once connected; default 30 seconds.</param>
    /// <exception cref="ArgumentException">The options are invalid or name another engine.</exception>
    public SshNetEmacsClient(SshOptions ssh, string? remoteSocket = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(ssh);
        ssh.Validate();
        if (ssh.Engine != SshEngine.SshNet) throw new ArgumentException($"{nameof(SshNetEmacsClient)} is the SSH.NET engine; for OpenSSH use {nameof(SshEmacsClient)}.", nameof(ssh));
        _ssh = ssh;
        _remoteSocket = string.IsNullOrWhiteSpace(remoteSocket) ? "server" : remoteSocket;
        Timeout = timeout ?? TimeSpan.FromSeconds(30);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(timeout));
    }

    /// <inheritdoc/>
    public string Description => $"{User}@{_ssh.Host}:{Port}:{_remoteSocket}";

    /// <summary>How long one evaluation may take once connected.</summary>
    public TimeSpan Timeout { get; }

    private string User => _ssh.User ?? Environment.UserName;

    private int Port => _ssh.Port ?? 22;

    /// <inheritdoc/>
    /// <remarks>Runs <c>emacsclient -e</c> on the host in a new exec channel of the shared connection.
    /// A form may be up to about 64 KiB (base64 in one command-line argument there, at most 128 KiB on Linux).
    /// The form is visible in the host's process list while emacsclient runs, as with any <c>ssh host emacsclient -e</c>.</remarks>
    public async Task<EmacsResult> EvaluateAsync(string expression, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(expression);
        string form = ExecTemplate.Replace("{0}", Convert.ToBase64String(Encoding.UTF8.GetBytes(expression)), StringComparison.Ordinal);
        if (form.Length > MaxExecForm)
        {
            throw new ArgumentException($"The form is {expression.Length} characters; through SSH.NET's exec channel at most about {(MaxExecForm - ExecTemplate.Length) * 3 / 4 / 1024} KiB of UTF-8 can be sent.", nameof(expression));
        }
        SshClient client = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        bool entered = false;
        try
        {
            await _commands.WaitAsync(deadline.Token).ConfigureAwait(false);
            entered = true;
            using SshCommand command = client.CreateCommand($"emacsclient -s {Shell.Quote(_remoteSocket)} -e {Shell.Quote(form)}", Encoding.UTF8);
            await command.ExecuteAsync(deadline.Token).ConfigureAwait(false);
            return command.ExitStatus == 0 ? ReadAnswer(command.Result) : throw CommandFailure(command.ExitStatus, command.Error.Trim());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EmacsServerException(EmacsErrorKind.Timeout,
                $"Emacs at {_remoteSocket} on {_ssh.Host} did not answer within {Timeout.TotalSeconds:0.#} s: it may be busy, waiting at a prompt, or hung.");
        }
        catch (Exception e) when (e is SshConnectionException or SocketException or ObjectDisposedException)
        {
            Drop(client);
            throw new EmacsServerException(EmacsErrorKind.HostUnreachable, $"The SSH connection to {_ssh.Host}:{Port} broke: {e.Message}", e);
        }
        catch (SshException e)
        {
            throw new EmacsServerException(EmacsErrorKind.SshFailed, $"SSH to {_ssh.Host}:{Port} could not run emacsclient: {e.Message}", e);
        }
        finally
        {
            if (entered) _commands.Release();
        }
    }

    bool IEmacsChannelRoute.CanRoute => true;

    /// <summary>Asks the daemon for its loopback TCP channel and a new one-use key (made there, and
    /// sent back as the answer, never on a command line), forwards a local port to it through the
    /// shared connection, and connects.</summary>
    async Task<EmacsChannel?> IEmacsChannelRoute.OpenChannelAsync(Func<string, CancellationToken, Task<Sexp>> evaluate, CancellationToken cancellationToken)
    {
        if (await evaluate("(orgdispatch-channel-tcp)", cancellationToken).ConfigureAwait(false)
            is not SexpList { Count: 2 } answer || answer[0] is not SexpInteger { Value: > 0 and < 65536 } port || answer[1] is not SexpString { Value.Length: 64 } key)
        {
            return null;
        }
        int local = await ForwardAsync((uint)port.Value, cancellationToken).ConfigureAwait(false);
        string where = $"{_ssh.Host} port {port.Value} (through 127.0.0.1:{local})";
        return await EmacsChannel.ConnectAsync(new IPEndPoint(IPAddress.Loopback, local), where, key.Value, Timeout, cancellationToken).ConfigureAwait(false)
            ?? throw new EmacsServerException(EmacsErrorKind.ConnectionLost, $"The forward to Emacs's channel on {where} did not accept a connection.") { NoReply = true };
    }

    /// <summary>Closes the SSH connection and its forward.</summary>
    public void Dispose()
    {
        _disposed = true;
        SshClient? client = Interlocked.Exchange(ref _client, null);
        if (client is not null) Drop(client);
    }

    /// <summary>Closes the SSH connection and its forward.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<int> ForwardAsync(uint remotePort, CancellationToken cancellationToken)
    {
        SshClient client = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        ForwardedPortLocal? forward = null;
        try
        {
            if (_forward is { IsStarted: true } open && open.Port == remotePort && client.ForwardedPorts.Contains(open)) return (int)open.BoundPort;
            // The daemon restarted on another port: one forward at a time.
            if (_forward is { } old)
            {
                _forward = null;
                StopForward(client, old);
            }
            forward = new ForwardedPortLocal(IPAddress.Loopback.ToString(), 0, IPAddress.Loopback.ToString(), remotePort);
            client.AddForwardedPort(forward);
            forward.Start();
            _forward = forward;
            return (int)forward.BoundPort;
        }
        catch (Exception e) when (e is SshException or SocketException or InvalidOperationException)
        {
            if (forward is not null) StopForward(client, forward);
            throw new EmacsServerException(EmacsErrorKind.SshFailed, $"SSH to {_ssh.Host}:{Port} would not forward a local port to port {remotePort} there: {e.Message}", e);
        }
        finally
        {
            _connecting.Release();
        }
    }

    private static void StopForward(SshClient client, ForwardedPortLocal forward)
    {
        try
        {
            if (forward.IsStarted) forward.Stop();
            if (client.ForwardedPorts.Contains(forward)) client.RemoveForwardedPort(forward);
        }
        catch (Exception e) when (e is SshException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection is gone: so is the forward.
        }
        forward.Dispose();
    }

    private async Task<SshClient> ConnectAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Volatile.Read(ref _client) is { IsConnected: true } connected) return connected;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_ssh.ConnectTimeout + TimeSpan.FromSeconds(5));
        await _connecting.WaitAsync(deadline.Token).ConfigureAwait(false);
        try
        {
            if (_client is { IsConnected: true } raced) return raced;
            if (_client is { } dropped) Drop(dropped);
            _client = null;
            var check = new HostKeyCheck(_ssh, Port);
            check.Load();
            var client = new SshClient(ConnectionInfoFor(KeySources()));
            client.KeepAliveInterval = TimeSpan.FromSeconds(15);
            check.Restrict(client.ConnectionInfo);
            client.HostKeyReceived += check.OnHostKeyReceived;
            try
            {
                await client.ConnectAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                client.Dispose();
                throw ConnectFailure(e, check, cancellationToken);
            }
            return _client = client;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EmacsServerException(EmacsErrorKind.HostUnreachable, $"Connecting to {_ssh.Host}:{Port} over SSH took too long (over {_ssh.ConnectTimeout.TotalSeconds:0.#} s).");
        }
        finally
        {
            _connecting.Release();
        }
    }

    private Exception ConnectFailure(Exception e, HostKeyCheck check, CancellationToken cancellationToken)
    {
        string where = $"{_ssh.Host}:{Port}";
        if (check.Refusal is { } refusal) return new EmacsServerException(EmacsErrorKind.AuthenticationFailed, refusal, e);
        return e switch
        {
            OperationCanceledException when cancellationToken.IsCancellationRequested => e,
            OperationCanceledException or SshOperationTimeoutException =>
                new EmacsServerException(EmacsErrorKind.HostUnreachable, $"Connecting to {where} over SSH took too long (over {_ssh.ConnectTimeout.TotalSeconds:0.#} s).", e),
            SocketException s => new EmacsServerException(EmacsErrorKind.HostUnreachable, $"Cannot reach {where} over SSH: {s.Message}", e),
            SshAuthenticationException => new EmacsServerException(EmacsErrorKind.AuthenticationFailed,
                $"SSH to {User}@{where} was refused: {e.Message} (check the user and the key; the SSH.NET engine has no agent).", e),
            SshConnectionException => new EmacsServerException(EmacsErrorKind.HostUnreachable, $"Cannot reach {where} over SSH: {e.Message}", e),
            SshException or ProxyException => new EmacsServerException(EmacsErrorKind.SshFailed, $"SSH to {where} failed: {e.Message}", e),
            _ => e,
        };
    }

    private ConnectionInfo ConnectionInfoFor(IPrivateKeySource[] keys) =>
        new(_ssh.Host, Port, User, new PrivateKeyAuthenticationMethod(User, keys)) { Timeout = _ssh.ConnectTimeout };

    // The key file given, else the default ones that exist (as ssh tries them).
    private IPrivateKeySource[] KeySources()
    {
        if (_ssh.IdentityFile is { } file) return [LoadKey(file, _ssh.IdentityPassphrase)];
        string folder = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");
        List<IPrivateKeySource> keys = [];
        List<string> unusable = [];
        foreach (string name in (string[])["id_ed25519", "id_ecdsa", "id_rsa"])
        {
            string path = Path.Combine(folder, name);
            if (!File.Exists(path)) continue;
            try
            {
                keys.Add(LoadKey(path, _ssh.IdentityPassphrase));
            }
            catch (EmacsServerException e)
            {
                unusable.Add(e.Message);
            }
        }
        return keys.Count > 0 ? [.. keys]
            : throw new EmacsServerException(EmacsErrorKind.AuthenticationFailed,
                unusable.Count > 0 ? string.Join(" ", unusable)
                    : $"No SSH key to log in to {_ssh.Host} with: none of id_ed25519, id_ecdsa, id_rsa in {folder}; give one (--ssh-key). The SSH.NET engine has no agent.");
    }

    private static PrivateKeyFile LoadKey(string path, string? passphrase)
    {
        try
        {
            return new PrivateKeyFile(path, passphrase);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            throw new EmacsServerException(EmacsErrorKind.AuthenticationFailed, $"Cannot read the SSH key {path}: {e.Message}", e);
        }
        catch (SshPassPhraseNullOrEmptyException e)
        {
            throw new EmacsServerException(EmacsErrorKind.AuthenticationFailed,
                $"The SSH key {path} is protected by a passphrase: give it (SshOptions.IdentityPassphrase, or $ORGDISPATCH_SSH_PASSPHRASE).", e);
        }
        catch (Exception e) when (e is SshException or CryptographicException or ArgumentException or NotSupportedException or FormatException)
        {
            throw new EmacsServerException(EmacsErrorKind.AuthenticationFailed,
                $"Cannot use the SSH key {path}: {e.Message}" + (passphrase is null ? "" : " (is the passphrase right?)"), e);
        }
    }

    private EmacsResult ReadAnswer(string output)
    {
        try
        {
            // The last line: a shell startup file on the host may print before emacsclient does.
            string last = output.TrimEnd().Split('\n')[^1];
            if (SexpReader.Read(last) is SexpList { Count: 2 } list && list[0] is SexpInteger pid && list[1] is SexpString base64)
            {
                string text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.Value));
                return new EmacsResult(text.EndsWith('\n') ? text[..^1] : text, (int)pid.Value);
            }
        }
        catch (FormatException)
        {
            // SexpFormatException is one; reported below
        }
        throw new EmacsServerException(EmacsErrorKind.SshFailed, $"emacsclient on {_ssh.Host} printed something unexpected: {output.Trim()}");
    }

    private EmacsServerException CommandFailure(int? status, string error)
    {
        string socket = _remoteSocket;
        if (error.StartsWith("*ERROR*: ", StringComparison.Ordinal)) return new EmacsServerException(EmacsErrorKind.LispError, error["*ERROR*: ".Length..]);
        if (status == 127) return new EmacsServerException(EmacsErrorKind.SshFailed, $"There is no emacsclient on {_ssh.Host} (on the PATH of a non-interactive shell there): {error}");
        if (error.Contains("can't find socket", StringComparison.Ordinal) || error.Contains("No such file or directory", StringComparison.Ordinal))
        {
            return new EmacsServerException(EmacsErrorKind.SocketMissing,
                $"No Emacs server socket {socket} on {_ssh.Host}: start Emacs there with --daemon (or M-x server-start), or name its socket with --socket. ({FirstLine(error)})");
        }
        if (error.Contains("Connection refused", StringComparison.Ordinal))
        {
            return new EmacsServerException(EmacsErrorKind.DaemonNotRunning,
                $"The Emacs socket {socket} on {_ssh.Host} exists but no Emacs answers: the daemon there is not running; restart it. ({FirstLine(error)})");
        }
        return new EmacsServerException(EmacsErrorKind.SshFailed, $"emacsclient on {_ssh.Host} failed (exit {status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}): {error}");
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();

    private void Drop(SshClient client)
    {
        Interlocked.CompareExchange(ref _client, null, client);
        // Only this connection's forward: a newer connection's stays.
        ForwardedPortLocal? forward = _forward is { } f && client.ForwardedPorts.Contains(f) ? Interlocked.CompareExchange(ref _forward, null, f) : null;
        try
        {
            forward?.Dispose();
            client.Dispose();
        }
        catch (Exception e) when (e is SshException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Already broken: nothing more to close.
        }
    }

    /// <summary>Checks the host key the server shows against known_hosts, and adds it with accept-new.</summary>
    private sealed class HostKeyCheck(SshOptions ssh, int port)
    {
        private static readonly string[] GlobalFiles = ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];
        private readonly string _userFile = ssh.KnownHostsFile
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");
        private readonly string _name = KnownHosts.LookupName(ssh.Host, port);
        private KnownHosts? _known;

        /// <summary>Why the key was refused, if it was.</summary>
        public string? Refusal { get; private set; }

        private KnownHosts Known => _known ??= KnownHosts.Load(ssh.KnownHostsFile is null ? [_userFile, .. GlobalFiles] : [_userFile]);

        /// <summary>Reads known_hosts now, so that an unreadable file is an error before connecting.</summary>
        public void Load()
        {
            try
            {
                _ = Known;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new EmacsServerException(EmacsErrorKind.AuthenticationFailed, $"Cannot read the known_hosts file {_userFile}: {e.Message}", e);
            }
        }

        /// <summary>Asks the server only for key types known for this host (as ssh orders its
        /// algorithms), so that it shows one we can check; certificates are not checked, so not asked for.</summary>
        public void Restrict(ConnectionInfo info)
        {
            IReadOnlyList<string> types = Known.KeyTypes(_name);
            foreach (string algorithm in info.HostKeyAlgorithms.Keys.ToList())
            {
                bool certificate = algorithm.Contains("-cert-", StringComparison.Ordinal);
                string keyType = algorithm is "rsa-sha2-256" or "rsa-sha2-512" ? "ssh-rsa" : algorithm;
                if (certificate || (types.Count > 0 && !types.Contains(keyType))) info.HostKeyAlgorithms.Remove(algorithm);
            }
        }

        public void OnHostKeyReceived(object? sender, HostKeyEventArgs e)
        {
            byte[] key = e.HostKey;
            string fingerprint = KnownHosts.Fingerprint(key);
            string type = KnownHosts.KeyTypeOf(key);
            (HostKeyStatus status, string? where) = Known.Check(_name, key);
            Refusal = status switch
            {
                HostKeyStatus.Known => null,
                HostKeyStatus.Unknown when ssh.AcceptNewHostKey => Accept(key),
                HostKeyStatus.Unknown => $"The host key of {_name} is not known ({type} {fingerprint}, not in {_userFile}): refused. "
                    + "Check the fingerprint and add the host (ssh-keyscan, or connect once with ssh), or accept it on first use (--ssh-accept-new).",
                HostKeyStatus.Changed => $"The host key of {_name} has CHANGED (now {type} {fingerprint}; {where} has another): refused. "
                    + "Someone may be in between, or the host was reinstalled; if you know it was, remove the old line (ssh-keygen -R).",
                HostKeyStatus.OtherTypeKnown => $"{_name} showed a {type} key ({fingerprint}), but {where} knows it by a key of another type: refused.",
                _ => $"The host key of {_name} ({type} {fingerprint}) is marked @revoked in {where}: refused.",
            };
            e.CanTrust = Refusal is null;
        }

        private string? Accept(byte[] key)
        {
            try
            {
                KnownHosts.Append(_userFile, KnownHosts.Line(_name, key));
                return null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"The host key of {_name} is new, but cannot be added to {_userFile}: {e.Message}";
            }
        }
    }
}
