using System.Globalization;
using System.Runtime.InteropServices;

namespace OrgDispatch.Emacs;

/// <summary>Where an Emacs server listens: a Unix socket (the default, <c>server-use-tcp</c> nil), or
/// a TCP port with the auth key from its server file (<c>server-use-tcp</c> t).</summary>
public sealed partial record EmacsServerEndpoint
{
    private EmacsServerEndpoint() { }

    /// <summary>The socket's path, for a local-socket server; else null.</summary>
    public string? SocketPath { get; private init; }

    /// <summary>The host, for a TCP server; else null.</summary>
    public string? Host { get; private init; }

    /// <summary>The port, for a TCP server.</summary>
    public int Port { get; private init; }

    /// <summary>The 64-character key sent as <c>-auth KEY</c>, for a TCP server.</summary>
    public string? AuthKey { get; private init; }

    /// <summary>The server file the TCP address came from, if any.</summary>
    public string? ServerFile { get; private init; }

    /// <summary>Every place a socket name was looked for, for error messages.</summary>
    internal IReadOnlyList<string> Candidates { get; private init; } = [];

    /// <summary>A Unix socket at <paramref name="path"/>.</summary>
    public static EmacsServerEndpoint Socket(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new EmacsServerEndpoint { SocketPath = path };
    }

    /// <summary>A TCP server at <paramref name="host"/>:<paramref name="port"/> that expects <paramref name="authKey"/>.</summary>
    public static EmacsServerEndpoint Tcp(string host, int port, string authKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentException.ThrowIfNullOrWhiteSpace(authKey);
        return new EmacsServerEndpoint { Host = host, Port = port, AuthKey = authKey };
    }

    /// <summary>Finds the server the way <c>emacsclient</c> does. <paramref name="nameOrPath"/> is a socket name
    /// (<c>-s NAME</c>), a path to a socket, or a path to a TCP server file; null means
    /// <c>$EMACS_SOCKET_NAME</c>, else <c>$EMACS_SERVER_FILE</c>, else the name <c>server</c>. A name is looked
    /// for in <c>$XDG_RUNTIME_DIR/emacs/</c>, then in <c>${TMPDIR:-/tmp}/emacsUID/</c>.</summary>
    /// <remarks>Nothing is connected; a socket that does not exist yet is still returned (the first
    /// candidate), and connecting then reports every place that was looked at.</remarks>
    public static EmacsServerEndpoint Resolve(string? nameOrPath = null) => Resolve(nameOrPath, Env, UserId());

    /// <summary><see cref="Resolve(string?)"/> with the environment and user id given (for tests).</summary>
    internal static EmacsServerEndpoint Resolve(string? nameOrPath, Func<string, string?> env, uint uid)
    {
        if (string.IsNullOrWhiteSpace(nameOrPath))
        {
            nameOrPath = env("EMACS_SOCKET_NAME");
            if (nameOrPath is null && env("EMACS_SERVER_FILE") is { } serverFile) return FromServerFile(serverFile);
            nameOrPath ??= "server";
        }
        if (nameOrPath.Contains('/'))
        {
            string path = Path.GetFullPath(ExpandHome(nameOrPath));
            return IsRegularFile(path) ? FromServerFile(path) : Socket(path);
        }
        List<string> candidates = [];
        if (env("XDG_RUNTIME_DIR") is { } runtime) candidates.Add(Path.Combine(runtime, "emacs", nameOrPath));
        candidates.Add(Path.Combine(env("TMPDIR") ?? "/tmp", "emacs" + uid.ToString(CultureInfo.InvariantCulture), nameOrPath));
        string found = candidates.FirstOrDefault(File.Exists) ?? candidates[0];
        return new EmacsServerEndpoint { SocketPath = found, Candidates = candidates };
    }

    /// <summary>Reads a TCP server file (<c>~/.emacs.d/server/NAME</c>): <c>HOST:PORT PID</c> on the first line,
    /// the auth key on the second.</summary>
    /// <exception cref="EmacsServerException">The file is missing (<see cref="EmacsErrorKind.SocketMissing"/>) or malformed.</exception>
    public static EmacsServerEndpoint FromServerFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        path = ExpandHome(path);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EmacsServerException(EmacsErrorKind.SocketMissing, $"Cannot read the Emacs server file {path}: {e.Message}", e);
        }
        // "127.0.0.1:38273 4711" then the key; the address may be IPv6 in brackets or bare.
        string address = lines.Length > 0 ? lines[0].Split(' ')[0] : "";
        int colon = address.LastIndexOf(':');
        if (lines.Length < 2 || colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || lines[1].Trim().Length == 0)
        {
            throw new EmacsServerException(EmacsErrorKind.SocketMissing, $"{path} is not an Emacs server file (expected \"HOST:PORT PID\" and then the auth key).");
        }
        string host = address[..colon].Trim('[', ']');
        return Tcp(host, port, lines[1].Trim()) with { ServerFile = path };
    }

    /// <inheritdoc/>
    public override string ToString() => SocketPath ?? $"{Host}:{Port}" + (ServerFile is null ? "" : $" (from {ServerFile})");

    // A server file is a non-empty regular file; a socket has no length.
    private static bool IsRegularFile(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists && info.Length > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..]
            : path;

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    internal static uint UserId() => OperatingSystem.IsWindows() ? 0 : GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
