namespace OrgDispatch.Emacs;

/// <summary>How to reach another host over SSH, and with which engine (<see cref="Engine"/>). With
/// <see cref="SshEngine.OpenSsh"/> (the default), everything not set here comes from <c>~/.ssh/config</c>
/// (or <see cref="ConfigFile"/>), the agent and known_hosts, as for any <c>ssh</c> command, and these
/// settings win over the config file. With <see cref="SshEngine.SshNet"/>, only what is set here counts.</summary>
public sealed record SshOptions
{
    /// <summary>Which SSH implementation connects: the system <c>ssh</c> (default) or SSH.NET in-process.
    /// Use <see cref="SshEngine.SshNet"/> where there is no OpenSSH client with connection sharing
    /// (Windows) or no <c>ssh</c> binary at all.</summary>
    public SshEngine Engine { get; init; } = SshEngine.OpenSsh;

    /// <summary>Trust a host seen for the first time and add its key to known_hosts, but still refuse a
    /// changed key (OpenSSH's <c>StrictHostKeyChecking=accept-new</c>). Default false: an unknown host is refused.</summary>
    public bool AcceptNewHostKey { get; init; }

    /// <summary>The known_hosts file to check host keys against (and to add to, with
    /// <see cref="AcceptNewHostKey"/>); null for <c>~/.ssh/known_hosts</c> (with SSH.NET, also
    /// <c>/etc/ssh/ssh_known_hosts</c>, read only).</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>The passphrase of <see cref="IdentityFile"/> (SSH.NET engine only: the OpenSSH engine runs
    /// <c>ssh</c> in batch mode, so load such a key into <c>ssh-agent</c> instead).</summary>
    public string? IdentityPassphrase { get; init; }

    /// <summary>The host: a name, an address, or a <c>Host</c> alias from the SSH config.</summary>
    public required string Host { get; init; }

    /// <summary>The remote user (<c>-l</c>); null for the config's (OpenSSH) or the local user name.</summary>
    public string? User { get; init; }

    /// <summary>The port (<c>-p</c>); null for the config's or 22.</summary>
    public int? Port { get; init; }

    /// <summary>A private key (<c>-i</c>), in OpenSSH format (ed25519, ecdsa or rsa); null for the config's or
    /// the agent's keys (OpenSSH), or <c>~/.ssh/id_ed25519</c>, <c>id_ecdsa</c>, <c>id_rsa</c> (SSH.NET, which has no agent).</summary>
    public string? IdentityFile { get; init; }

    /// <summary>How long connecting may take (<c>ConnectTimeout</c>); default 10 seconds.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>An SSH config file to use instead of <c>~/.ssh/config</c> (<c>-F</c>); null for the default. OpenSSH engine only.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>More <c>-o KEY=VALUE</c> options, e.g. <c>ProxyJump=…</c>. OpenSSH engine only.</summary>
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
        if (!Enum.IsDefined(Engine)) throw new ArgumentOutOfRangeException(nameof(Engine), Engine, "The SSH engine must be OpenSsh or SshNet.");
        if (Engine == SshEngine.SshNet && (ConfigFile is not null || ExtraOptions.Count > 0))
        {
            throw new ArgumentException(
                "An SSH config file and -o options are OpenSSH's: the SSH.NET engine does not read them. Give the host, port, user, key and known_hosts file directly, or use the OpenSSH engine.",
                ConfigFile is not null ? nameof(ConfigFile) : nameof(ExtraOptions));
        }
        if (Engine == SshEngine.OpenSsh && IdentityPassphrase is not null)
        {
            throw new ArgumentException("The OpenSSH engine runs ssh in batch mode and cannot give it a passphrase: add the key to ssh-agent, or use the SSH.NET engine.", nameof(IdentityPassphrase));
        }
    }
}

/// <summary>Which SSH implementation the SSH transport uses.</summary>
public enum SshEngine
{
    /// <summary>The system OpenSSH client (<c>ssh</c>): honours the user's ssh config, ProxyJump and the agent;
    /// one shared connection (<c>ControlMaster</c>) with the Emacs sockets forwarded as Unix sockets.</summary>
    OpenSsh,

    /// <summary>SSH.NET, in this process: no <c>ssh</c> binary needed, works on Windows; one connection per
    /// client, a key file (no agent), known_hosts checked by OrgDispatch.</summary>
    SshNet,
}
