using System.Diagnostics;
using OrgDispatch.Emacs;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Emacs;

/// <summary>A real Emacs daemon for a test: <c>emacs -Q --fg-daemon</c> on a private socket, with its
/// home in a temporary folder (so <c>~</c> and the server files stay there). Killed and deleted on dispose.</summary>
internal sealed class EmacsDaemon : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _home;
    private readonly string? _initLisp;
    private Process? _process;

    private EmacsDaemon(TempDirectory home, string? initLisp, string? socketName)
    {
        _home = home;
        _initLisp = initLisp;
        SocketName = socketName;
        // A named socket goes where emacsclient looks for names (no XDG_RUNTIME_DIR, no TMPDIR here).
        SocketPath = socketName is null
            ? Path.Combine(home.Path, "emacs", "server")
            : Path.Combine("/tmp", "emacs" + EmacsServerEndpoint.UserId(), socketName);
        Client = new EmacsServerClient(EmacsServerEndpoint.Socket(SocketPath), TimeSpan.FromSeconds(30));
    }

    /// <summary>The daemon's home folder (its <c>~</c>), where tests put dispatch files.</summary>
    public string Home => _home.Path;

    public string SocketPath { get; }

    /// <summary>The socket's name when started by name rather than path.</summary>
    public string? SocketName { get; }

    /// <summary>Where a TCP server (started with <c>server-use-tcp</c> in the init Lisp) writes its address and key.</summary>
    public string ServerFile => Path.Combine(Home, ".emacs.d", "server", "server");

    public EmacsServerClient Client { get; }

    public int Pid => _process?.Id ?? 0;

    public string File(string name) => _home.File(name);

    /// <summary>Starts a daemon; <paramref name="initLisp"/> is evaluated before the server starts
    /// (e.g. to make it a TCP server).</summary>
    public static async Task<EmacsDaemon> StartAsync(string? initLisp = null, string? socketName = null)
    {
        var home = new TempDirectory();
        // Emacs refuses a socket folder that others can read.
        // Emacs wants the socket's folder to exist and to be private.
        string socketDir = Directory.CreateDirectory(Path.Combine(home.Path, "emacs")).FullName;
        if (!OperatingSystem.IsWindows())
        {
            System.IO.File.SetUnixFileMode(home.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            System.IO.File.SetUnixFileMode(socketDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var daemon = new EmacsDaemon(home, initLisp, socketName);
        try
        {
            await daemon.LaunchAsync();
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
        return daemon;
    }

    public async Task<string> EvalAsync(string expression) => (await Client.EvaluateAsync(expression)).Text;

    /// <summary>SIGKILL: the daemon dies at once and leaves its socket behind (a stale socket).</summary>
    public async Task KillAsync()
    {
        if (_process is null) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    /// <summary>Starts the daemon again on the same socket (after <see cref="KillAsync"/>).</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        System.IO.File.Delete(SocketPath);
        await LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            if (SocketName is not null) System.IO.File.Delete(SocketPath);
            _home.Dispose();
        }
    }

    private async Task LaunchAsync()
    {
        // Standard input is a pipe too: a daemon must not read the test runner's.
        var start = new ProcessStartInfo("emacs") { RedirectStandardInput = true, WorkingDirectory = Home };
        start.ArgumentList.Add("-Q");
        // A fresh home has no native-code cache: without this, loading Org starts minutes of
        // background compilation per daemon, enough to stall a whole test run.
        start.ArgumentList.Add("--eval");
        start.ArgumentList.Add("(setq native-comp-deferred-compilation nil)");
        if (_initLisp is not null)
        {
            start.ArgumentList.Add("--eval");
            start.ArgumentList.Add(_initLisp);
        }
        // A TCP server is named, not placed: its server file goes to ~/.emacs.d/server/NAME.
        start.ArgumentList.Add("--fg-daemon=" + (_initLisp is not null ? "server" : SocketName ?? SocketPath));
        start.Environment["HOME"] = Home;
        start.Environment["LANG"] = "C.UTF-8";
        start.Environment.Remove("XDG_RUNTIME_DIR");
        start.Environment.Remove("EMACS_SOCKET_NAME");
        start.Environment.Remove("TMPDIR");
        var log = new System.Text.StringBuilder();
        _process = ProcessRunner.StartLogged(start, log);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"emacs --fg-daemon exited with {_process.ExitCode}: {log}");
            if (_initLisp is null ? System.IO.File.Exists(SocketPath) : System.IO.File.Exists(ServerFile) && new FileInfo(ServerFile).Length > 64)
            {
                return;
            }
            if (clock.Elapsed > StartTimeout) throw new TimeoutException($"emacs --fg-daemon did not open its server within {StartTimeout}: {log}");
            await Task.Delay(50);
        }
    }
}
