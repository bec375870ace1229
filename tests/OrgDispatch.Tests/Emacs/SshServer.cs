using System.Diagnostics;
using System.Net.Sockets;
using OrgDispatch.Emacs;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Emacs;

/// <summary>A real OpenSSH server for a test: <c>sshd -D</c> on 127.0.0.1 and a free port, with a
/// throwaway host key, a throwaway user key in its own authorized_keys, and a client config and
/// known_hosts that trust exactly that host key. Stopped and deleted on dispose.</summary>
internal sealed class SshServer : IAsyncDisposable
{
    public const string Sshd = "/usr/sbin/sshd";
    private readonly TempDirectory _dir;
    private readonly System.Text.StringBuilder _log = new();
    private Process? _process;

    private SshServer(TempDirectory dir, int port)
    {
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The client config: Host <c>dispatch-test</c> with the address, port, user, key and known_hosts.</summary>
    public string ClientConfig => _dir.File("ssh_config");

    public string UserKey => _dir.File("user_key");

    public string KnownHosts => _dir.File("known_hosts");

    public string ControlDirectory => _dir.File("ctl");

    /// <summary>The server's public host key (OpenSSH format).</summary>
    public string HostPublicKey => _dir.File("host_key.pub");

    /// <summary>A new file in the server's folder.</summary>
    public string PathOf(string name) => _dir.File(name);

    /// <summary>Lets the key whose public half is <paramref name="publicKeyFile"/> log in too.</summary>
    public void Authorize(string publicKeyFile) => File.AppendAllText(_dir.File("authorized_keys"), File.ReadAllText(publicKeyFile));

    /// <summary>Options that reach this server through the client config (as a ~/.ssh/config would).</summary>
    public SshOptions Options => new() { Host = "dispatch-test", ConfigFile = ClientConfig, ControlDirectory = ControlDirectory, ConnectTimeout = TimeSpan.FromSeconds(5) };

    /// <summary>The same server for the SSH.NET engine, which reads no ssh config: everything given directly.</summary>
    public SshOptions SshNetOptions => new()
    {
        Engine = SshEngine.SshNet,
        Host = "127.0.0.1",
        Port = Port,
        User = Environment.UserName,
        IdentityFile = UserKey,
        KnownHostsFile = KnownHosts,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>A client of the given engine ("ssh" for OpenSSH, "sshnet" for SSH.NET) for a daemon's socket.</summary>
    public IEmacsEvaluator Client(string engine, string remoteSocket) => engine switch
    {
        "ssh" => new SshEmacsClient(Options, remoteSocket),
        "sshnet" => new SshNetEmacsClient(SshNetOptions, remoteSocket),
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "ssh or sshnet"),
    };

    /// <summary>Ends a client made by <see cref="Client"/>: the shared OpenSSH connection, or the SSH.NET one.</summary>
    public static async Task CloseAsync(IEmacsEvaluator client)
    {
        if (client is SshEmacsClient openSsh) await openSsh.CloseSharedConnectionAsync();
        if (client is IAsyncDisposable disposable) await disposable.DisposeAsync();
    }

    public static async Task<SshServer> StartAsync()
    {
        var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("ctl"));
        var server = new SshServer(dir, FreePort.Next());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dir.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        Keygen(dir.File("host_key"));
        Keygen(server.UserKey);
        File.Copy(server.UserKey + ".pub", dir.File("authorized_keys"));
        string hostKey = File.ReadAllText(dir.File("host_key.pub")).Trim();
        File.WriteAllText(server.KnownHosts, $"[127.0.0.1]:{server.Port} {hostKey}\n");
        File.WriteAllText(dir.File("sshd_config"), $"""
            Port {server.Port}
            ListenAddress 127.0.0.1
            HostKey {dir.File("host_key")}
            PidFile {dir.File("sshd.pid")}
            AuthorizedKeysFile {dir.File("authorized_keys")}
            StrictModes no
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin prohibit-password
            AllowStreamLocalForwarding yes
            MaxSessions 100
            MaxStartups 100
            LogLevel INFO

            """);
        File.WriteAllText(server.ClientConfig, $"""
            Host dispatch-test
              HostName 127.0.0.1
              Port {server.Port}
              User {Environment.UserName}
              IdentityFile {server.UserKey}
              IdentitiesOnly yes
              UserKnownHostsFile {server.KnownHosts}
              StrictHostKeyChecking yes

            Host 127.0.0.1
              UserKnownHostsFile {server.KnownHosts}
              StrictHostKeyChecking yes

            """);
        // Privilege separation needs this folder; a package install makes it at boot, a container may not have it.
        if (Environment.UserName == "root") Directory.CreateDirectory("/run/sshd");
        try
        {
            await server.LaunchAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>How many logins the server accepted (each is one SSH handshake).</summary>
    public int Logins
    {
        get
        {
            lock (_log) return _log.ToString().Split('\n').Count(l => l.Contains("Accepted publickey", StringComparison.Ordinal));
        }
    }

    /// <summary>Stops the server and every session it serves (its process tree), as a host going down would.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public Task StartAgainAsync() => LaunchAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _dir.Dispose();
        }
    }

    private async Task LaunchAsync()
    {
        var start = new ProcessStartInfo(Sshd);
        foreach (string a in (string[])["-D", "-e", "-f", _dir.File("sshd_config")]) start.ArgumentList.Add(a);
        var log = _log;
        _process = ProcessRunner.StartLogged(start, log);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"sshd exited with {_process.ExitCode}: {log}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(50);
            }
        }
    }

    private static void Keygen(string path) =>
        ProcessRunner.Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "orgdispatch-test", "-f", path], TimeSpan.FromSeconds(30));
}
