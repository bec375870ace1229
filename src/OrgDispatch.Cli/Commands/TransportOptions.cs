using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using OrgDispatch.Emacs;
using OrgDispatch.Hub;
using OrgDispatch.Queue;

namespace OrgDispatch.Cli.Commands;

/// <summary>The options that choose where the dispatch file lives (docs/cli.md, docs/transports.md):
/// <c>--transport</c>, or inferred from <c>--hub</c>, <c>--host</c>, <c>--socket</c> and <c>--file</c>;
/// each with its environment variable, and the original tool's names as fallbacks.</summary>
internal sealed class TransportOptions
{
    public const string TransportVariable = "ORGDISPATCH_TRANSPORT";
    public const string SocketVariable = "ORGDISPATCH_SOCKET";
    public const string HostVariable = "ORGDISPATCH_HOST";
    public const string UserVariable = "ORGDISPATCH_USER";
    public const string SshKeyVariable = "ORGDISPATCH_SSH_KEY";
    public const string SshTimeoutVariable = "ORGDISPATCH_SSH_TIMEOUT";
    public const string SshPortVariable = "ORGDISPATCH_SSH_PORT";
    public const string SshConfigVariable = "ORGDISPATCH_SSH_CONFIG";
    public const string EmacsTimeoutVariable = "ORGDISPATCH_EMACS_TIMEOUT";
    public const string SshEngineVariable = "ORGDISPATCH_SSH_ENGINE";
    public const string SshKnownHostsVariable = "ORGDISPATCH_SSH_KNOWN_HOSTS";
    public const string SshPassphraseVariable = "ORGDISPATCH_SSH_PASSPHRASE";

    public Option<DispatchTransport?> Transport { get; } = new("--transport", "-t")
    {
        Description = $"Where the dispatch file lives: file, emacs (a buffer in the Emacs daemon here), ssh (a buffer in an Emacs daemon on --host) or hub (an org-dispatch serve; tcp is the same). Default: ${TransportVariable}, else inferred from --hub, --host, --socket, else file.",
        HelpName = "file|emacs|ssh|hub",
        CustomParser = r => Kind(r, r.Tokens.Count > 0 ? r.Tokens[0].Value : null, "--transport"),
        DefaultValueFactory = r => Kind(r, Env(TransportVariable), "$" + TransportVariable),
    };

    public Option<string?> Socket { get; } = new("--socket", "-s")
    {
        Description = $"The Emacs server: a socket name (as emacsclient -s), a socket path, or a TCP server file. With ssh, the socket on the remote host. Default: ${SocketVariable}, else $EMACS_SOCKET, else as emacsclient finds it.",
        HelpName = "NAME|PATH",
        DefaultValueFactory = _ => Env(SocketVariable) ?? Env("EMACS_SOCKET"),
    };

    public Option<string?> Host { get; } = new("--host")
    {
        Description = $"The SSH host whose Emacs daemon holds the buffer (a name, address or ~/.ssh/config alias). Default: ${HostVariable}, else $BEZALEL_HOST.",
        HelpName = "HOST",
        DefaultValueFactory = _ => Env(HostVariable) ?? Env("BEZALEL_HOST"),
    };

    public Option<string?> User { get; } = new("--user")
    {
        Description = $"The SSH user. Default: ${UserVariable}, else $BEZALEL_USER, else ssh's own choice.",
        HelpName = "USER",
        DefaultValueFactory = _ => Env(UserVariable) ?? Env("BEZALEL_USER"),
    };

    public Option<string?> SshKey { get; } = new("--ssh-key")
    {
        Description = $"The SSH private key (ssh -i). Default: ${SshKeyVariable}, else $BEZALEL_SSH_KEY, else ssh's own choice.",
        HelpName = "PATH",
        DefaultValueFactory = _ => Env(SshKeyVariable) ?? Env("BEZALEL_SSH_KEY"),
    };

    public Option<TimeSpan?> SshTimeout { get; } = new("--ssh-timeout")
    {
        Description = $"How long connecting over SSH may take: seconds, or 90s, 2m. Default: ${SshTimeoutVariable}, else $BEZALEL_SSH_TIMEOUT, else 10s.",
        HelpName = "DURATION",
        CustomParser = r => Seconds(r, r.Tokens.Count > 0 ? r.Tokens[0].Value : null, "--ssh-timeout"),
        DefaultValueFactory = r => Seconds(r, Env(SshTimeoutVariable) ?? Env("BEZALEL_SSH_TIMEOUT"), Env(SshTimeoutVariable) is null ? "$BEZALEL_SSH_TIMEOUT" : "$" + SshTimeoutVariable),
    };

    public Option<int?> SshPort { get; } = new("--ssh-port")
    {
        Description = $"The SSH port. Default: ${SshPortVariable}, else ssh's own choice.",
        HelpName = "PORT",
        CustomParser = r => Port(r, r.Tokens.Count > 0 ? r.Tokens[0].Value : null, "--ssh-port"),
        DefaultValueFactory = r => Port(r, Env(SshPortVariable), "$" + SshPortVariable),
    };

    public Option<TimeSpan?> EmacsTimeout { get; } = new("--emacs-timeout")
    {
        Description = $"How long Emacs may take to answer one request (emacs and ssh transports): seconds, or 90s, 2m. Default: ${EmacsTimeoutVariable}, else 30s.",
        HelpName = "DURATION",
        CustomParser = r => Seconds(r, r.Tokens.Count > 0 ? r.Tokens[0].Value : null, "--emacs-timeout"),
        DefaultValueFactory = r => Seconds(r, Env(EmacsTimeoutVariable), "$" + EmacsTimeoutVariable),
    };

    public Option<string?> SshConfig { get; } = new("--ssh-config")
    {
        Description = $"An SSH config file instead of ~/.ssh/config (ssh -F). Default: ${SshConfigVariable}.",
        HelpName = "PATH",
        DefaultValueFactory = _ => Env(SshConfigVariable),
    };

    public Option<SshEngine?> SshEngineOption { get; } = new("--ssh-engine")
    {
        Description = $"Which SSH implementation: openssh (the system ssh, with your ssh config and agent) or sshnet (in-process SSH.NET: no ssh binary needed; key file, known_hosts). Default: ${SshEngineVariable}, else openssh.",
        HelpName = "openssh|sshnet",
        CustomParser = r => Engine(r, r.Tokens.Count > 0 ? r.Tokens[0].Value : null, "--ssh-engine"),
        DefaultValueFactory = r => Engine(r, Env(SshEngineVariable), "$" + SshEngineVariable),
    };

    public Option<bool> SshAcceptNew { get; } = new("--ssh-accept-new")
    {
        Description = "Trust a host seen for the first time and add its key to known_hosts (as ssh's StrictHostKeyChecking=accept-new); a changed key is still refused.",
    };

    public Option<string?> SshKnownHosts { get; } = new("--ssh-known-hosts")
    {
        Description = $"The known_hosts file to check host keys against (ssh's UserKnownHostsFile). Default: ${SshKnownHostsVariable}, else ~/.ssh/known_hosts. The key's passphrase (sshnet) comes from ${SshPassphraseVariable}, never the command line.",
        HelpName = "PATH",
        DefaultValueFactory = _ => Env(SshKnownHostsVariable),
    };

    /// <summary>The hub transport's options; null for a command that serves the file itself (serve).</summary>
    public Option<HubClientOptions?>? Hub { get; }

    public Option<string?>? Token { get; }

    /// <param name="hub">Whether the hub transport is offered.</param>
    public TransportOptions(bool hub = true)
    {
        if (!hub) return;
        Hub = CliOptions.Hub();
        Token = CliOptions.Token();
    }

    /// <summary>Every option, to add to a command.</summary>
    public IEnumerable<Option> All => Hub is null
        ? [Transport, Socket, Host, User, SshKey, SshPort, SshTimeout, SshConfig, SshEngineOption, SshAcceptNew, SshKnownHosts, EmacsTimeout]
        : [Transport, Socket, Host, User, SshKey, SshPort, SshTimeout, SshConfig, SshEngineOption, SshAcceptNew, SshKnownHosts, EmacsTimeout, Hub, Token!];

    /// <summary>The transport asked for: --transport; else the kind of the first of --hub, --host,
    /// --socket, --file given on the command line; else of the first set in the environment; else file.</summary>
    public DispatchTransport Choose(ParseResult parse, Option<string> file)
    {
        if (parse.GetValue(Transport) is { } kind) return kind;
        List<(Option Option, DispatchTransport Kind, bool Set)> hints = [];
        if (Hub is not null) hints.Add((Hub, DispatchTransport.Hub, parse.GetValue(Hub) is not null));
        hints.AddRange(
        [
            (Host, DispatchTransport.Ssh, parse.GetValue(Host) is not null),
            (Socket, DispatchTransport.Emacs, parse.GetValue(Socket) is not null),
            (file, DispatchTransport.File, true),
        ]);
        foreach (var hint in hints)
        {
            if (parse.GetResult(hint.Option) is { Implicit: false }) return hint.Kind;
        }
        return hints.First(h => h.Set).Kind;
    }

    /// <summary>The library's connection options for the chosen transport, from the command line and environment.</summary>
    /// <exception cref="ArgumentException">A required option is missing (e.g. ssh without a host, hub without an address).</exception>
    public DispatchConnectionOptions ToConnectionOptions(ParseResult parse, DispatchTransport kind, string file, DispatchOptions options, TimeSpan? lockTimeout)
    {
        var connection = new DispatchConnectionOptions
        {
            Transport = kind, FilePath = file, LockTimeout = lockTimeout, Queue = options,
            EmacsSocket = parse.GetValue(Socket), EmacsTimeout = parse.GetValue(EmacsTimeout),
        };
        return kind switch
        {
            DispatchTransport.Hub when Hub is null => throw new ArgumentException("A hub cannot serve another hub: use --transport file, emacs or ssh."),
            DispatchTransport.Hub => connection with
            {
                Hub = (parse.GetValue(Hub) ?? throw new ArgumentException($"The hub transport needs --hub HOST:PORT (or ${CliOptions.HubVariable})."))
                    with { Token = parse.GetValue(Token!), MaxConnectAttempts = 3 },
            },
            DispatchTransport.Ssh => connection with { Ssh = Ssh(parse) },
            _ => connection,
        };
    }

    private SshOptions Ssh(ParseResult parse)
    {
        SshEngine engine = parse.GetValue(SshEngineOption) ?? SshEngine.OpenSsh;
        // $ORGDISPATCH_SSH_CONFIG is OpenSSH's: SSH.NET refuses a config file given on its command line, not one in the environment.
        bool config = engine == SshEngine.OpenSsh || parse.GetResult(SshConfig) is { Implicit: false };
        return new SshOptions
        {
            Host = parse.GetValue(Host) ?? throw new ArgumentException($"The ssh transport needs --host HOST (or ${HostVariable}, or $BEZALEL_HOST)."),
            User = parse.GetValue(User),
            Port = parse.GetValue(SshPort),
            IdentityFile = parse.GetValue(SshKey) is { } key ? Path.GetFullPath(key) : null,
            ConfigFile = config && parse.GetValue(SshConfig) is { } file ? Path.GetFullPath(file) : null,
            ConnectTimeout = parse.GetValue(SshTimeout) ?? TimeSpan.FromSeconds(10),
            Engine = engine,
            AcceptNewHostKey = parse.GetValue(SshAcceptNew),
            KnownHostsFile = parse.GetValue(SshKnownHosts) is { } knownHosts ? Path.GetFullPath(knownHosts) : null,
            IdentityPassphrase = engine == SshEngine.SshNet ? Env(SshPassphraseVariable) : null,
        };
    }

    private static SshEngine? Engine(ArgumentResult r, string? text, string source)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (text.Equals("openssh", StringComparison.OrdinalIgnoreCase)) return SshEngine.OpenSsh;
        if (text.Equals("sshnet", StringComparison.OrdinalIgnoreCase) || text.Equals("ssh.net", StringComparison.OrdinalIgnoreCase)) return SshEngine.SshNet;
        r.AddError($"{source}: \"{text}\" is not an SSH engine (openssh or sshnet).");
        return null;
    }

    private static DispatchTransport? Kind(ArgumentResult r, string? text, string source)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (text.Equals("tcp", StringComparison.OrdinalIgnoreCase)) return DispatchTransport.Hub; // the design's name for it
        if (Enum.TryParse(text, ignoreCase: true, out DispatchTransport kind) && !int.TryParse(text, out _)) return kind;
        r.AddError($"{source}: \"{text}\" is not a transport (file, emacs, ssh or hub).");
        return null;
    }

    // The original tool took plain seconds; durations such as 90s or 2m work too.
    private static TimeSpan? Seconds(ArgumentResult r, string? text, string source)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds) && seconds > 0) return TimeSpan.FromSeconds(seconds);
        if (CliOptions.TryParseDuration(text, out TimeSpan d)) return d;
        r.AddError($"{source}: \"{text}\" is not a duration (use seconds, or 90s, 2m).");
        return null;
    }

    private static int? Port(ArgumentResult r, string? text, string source)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536) return port;
        r.AddError($"{source}: \"{text}\" is not a port (1-65535).");
        return null;
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
