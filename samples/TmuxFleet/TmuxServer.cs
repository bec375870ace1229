using System.Diagnostics;

namespace TmuxFleet;

/// <summary>One named tmux server (<c>tmux -L NAME</c>), never the user's default one: every command
/// carries <c>-L</c>, and sessions are always addressed exactly (<c>=name</c>), never by prefix, so
/// the agent <c>ann</c> is never mistaken for <c>ann2</c>.</summary>
public sealed class TmuxServer(string name, string tmux = "tmux")
{
    /// <summary>The holder session: it keeps the server alive while no agent runs.</summary>
    public const string HolderSession = "orgdispatch-holder";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The server's socket name (<c>-L</c>).</summary>
    public string Name { get; } = name;

    /// <summary>An exact session target.</summary>
    public static string Exact(string session) => "=" + session;

    /// <summary>The active pane of a session, exactly.</summary>
    public static string Pane(string session) => "=" + session + ":";

    /// <summary>Starts the server with its holder session, unless it runs already.</summary>
    public async Task EnsureHolderAsync(CancellationToken ct)
    {
        if (await HasSessionAsync(HolderSession, ct)) return;
        await RunAsync(["new-session", "-d", "-s", HolderSession, "while :; do sleep 3600; done"], ct);
    }

    /// <summary>Whether a session with exactly this name exists (false when the server does not run).</summary>
    public async Task<bool> HasSessionAsync(string session, CancellationToken ct) =>
        (await TryRunAsync(["has-session", "-t", Exact(session)], null, ct)).Code == 0;

    /// <summary>Starts an agent's session running <paramref name="command"/>, detached.</summary>
    /// <exception cref="InvalidOperationException">The session exists already, or tmux refused.</exception>
    public async Task NewSessionAsync(string session, string command, CancellationToken ct)
    {
        await EnsureHolderAsync(ct);
        if (await HasSessionAsync(session, ct)) throw new InvalidOperationException($"tmux -L {Name}: the session {session} exists already.");
        await RunAsync(["new-session", "-d", "-s", session, command], ct);
    }

    /// <summary>Every pane's session, current command and whether it is dead (empty when the server does not run).</summary>
    public async Task<IReadOnlyList<(string Session, string Command, bool Dead)>> ListPanesAsync(CancellationToken ct)
    {
        var (code, output, _) = await TryRunAsync(["list-panes", "-a", "-F", "#{session_name}\t#{pane_current_command}\t#{pane_dead}"], null, ct);
        if (code != 0) return [];
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t'))
            .Where(f => f.Length == 3)
            .Select(f => (f[0], f[1], f[2] == "1"))
            .ToList();
    }

    /// <summary>Pastes <paramref name="text"/> into the session's pane as a bracketed paste (the program
    /// sees one paste, not typed keys), then presses Enter.</summary>
    public async Task PasteAsync(string session, string text, CancellationToken ct)
    {
        string buffer = "orgdispatch-" + Guid.NewGuid().ToString("N")[..8];
        await RunAsync(["load-buffer", "-b", buffer, "-"], ct, stdin: text);
        await RunAsync(["paste-buffer", "-p", "-d", "-b", buffer, "-t", Pane(session)], ct);
        await RunAsync(["send-keys", "-t", Pane(session), "Enter"], ct);
    }

    /// <summary>The last lines of the session's pane, joined where tmux wrapped them.</summary>
    public async Task<string> CaptureAsync(string session, CancellationToken ct) =>
        await RunAsync(["capture-pane", "-p", "-J", "-S", "-200", "-t", Pane(session)], ct);

    /// <summary>Stops this server (and only it).</summary>
    public Task KillServerAsync(CancellationToken ct) => TryRunAsync(["kill-server"], null, ct);

    private async Task<string> RunAsync(IReadOnlyList<string> args, CancellationToken ct, string? stdin = null)
    {
        var (code, output, error) = await TryRunAsync(args, stdin, ct);
        if (code != 0) throw new InvalidOperationException($"tmux -L {Name} {string.Join(' ', args)}: {error.Trim()}");
        return output;
    }

    private async Task<(int Code, string Output, string Error)> TryRunAsync(IReadOnlyList<string> args, string? stdin, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(tmux)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-L");
        psi.ArgumentList.Add(Name);
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"{tmux} did not start.");
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin.AsMemory(), ct);
        p.StandardInput.Close();
        Task<string> output = p.StandardOutput.ReadToEndAsync(ct);
        Task<string> error = p.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"tmux -L {Name} {string.Join(' ', args)} did not finish within {CommandTimeout.TotalSeconds:0} s.");
        }
        return (p.ExitCode, await output, await error);
    }
}
