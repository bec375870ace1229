namespace OrgDispatch.Emacs;

/// <summary>How to reach another host with the system OpenSSH client (<c>ssh</c>). Everything not set
/// here comes from <c>~/.ssh/config</c> (or <see cref="ConfigFile"/>), the agent and known_hosts, as for
/// any <c>ssh</c> command; these settings win over the config file.</summary>
public sealed record SshOptions
{
    /// <summary>The host: a name, an address, or a <c>Host</c> alias from the SSH config.</summary>
    public required string Host { get; init; }

    /// <summary>The remote user (<c>-l</c>); null for the config's or the local user name.</summary>
    public string? User { get; init; }

    /// <summary>The port (<c>-p</c>); null for the config's or 22.</summary>
    public int? Port { get; init; }

    /// <summary>A private key (<c>-i</c>); null for the config's or the agent's keys.</summary>
    public string? IdentityFile { get; init; }

    /// <summary>How long connecting may take (<c>ConnectTimeout</c>); default 10 seconds.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>An SSH config file to use instead of <c>~/.ssh/config</c> (<c>-F</c>); null for the default.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>More <c>-o KEY=VALUE</c> options, e.g. <c>UserKnownHostsFile=…</c>.</summary>
    public IReadOnlyList<string> ExtraOptions { get; init; } = [];

    /// <summary>The ssh program; default <c>ssh</c> on PATH.</summary>
    public string SshPath { get; init; } = "ssh";

    /// <summary>How long the shared connection stays open after its last use (<c>ControlPersist</c>);
    /// default 10 minutes. Later operations, from this process or another, reuse it without a new handshake.</summary>
    public TimeSpan ControlPersist { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A private folder for the shared connection's control socket and the forwarded Emacs
    /// socket; null for <c>$XDG_RUNTIME_DIR/orgdispatch</c>, else <c>/tmp/orgdispatch-UID</c>.</summary>
    public string? ControlDirectory { get; init; }

    /// <summary><c>user@host:port</c> as far as known, for messages.</summary>
    public override string ToString() => (User is null ? "" : User + "@") + Host + (Port is null ? "" : ":" + Port);

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Host);
        if (Host.StartsWith('-')) throw new ArgumentException($"The host \"{Host}\" cannot start with '-'.", nameof(Host));
        if (Port is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(Port), Port, "The SSH port must be between 1 and 65535.");
        if (ConnectTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "The SSH timeout must be positive.");
    }
}
