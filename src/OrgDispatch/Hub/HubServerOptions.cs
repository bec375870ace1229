using System.Net;
using OrgDispatch.Framing;
using OrgDispatch.Lisp;

namespace OrgDispatch.Hub;

/// <summary>How a <see cref="HubServer"/> listens and whom it serves.</summary>
public sealed record HubServerOptions
{
    /// <summary>The Harness Communication port.</summary>
    public const int DefaultPort = 9105;

    /// <summary>The address to listen on. Default: loopback only (127.0.0.1).</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>The port; 0 picks a free one (see <see cref="HubServer.LocalEndPoint"/>). Default 9105.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>A shared secret every client must send first (<c>(:op "auth" :token "…")</c>); null for none.</summary>
    public string? Token { get; init; }

    /// <summary>Whether the <c>eval</c> request is served (by <see cref="Evaluator"/>). Default false:
    /// evaluation is arbitrary code, and is refused unless asked for here.</summary>
    public bool AllowEval { get; init; }

    /// <summary>What evaluates Lisp for <c>eval</c> when allowed: the transport's evaluator (Emacs).
    /// Null for transports that cannot, such as a file.</summary>
    public Func<string, CancellationToken, Task<Sexp>>? Evaluator { get; init; }

    /// <summary>Frame length unit and the largest message accepted.</summary>
    public HarnessFramingOptions Framing { get; init; } = HarnessFramingOptions.Default;

    /// <summary>The most clients connected at once; more are told the hub is busy and closed. Default 256.</summary>
    public int MaxClients { get; init; } = 256;

    /// <summary>The most bytes waiting to be sent to one client. A client that lets this much pile up
    /// (it stops reading) is dropped, so it can neither stall the others nor grow the hub's memory.
    /// Default 4 MiB.</summary>
    public int MaxQueuedBytes { get; init; } = 4 << 20;

    /// <summary>The kernel's send buffer for each client socket, in bytes; null for the system's
    /// default (which on Linux grows up to <c>net.ipv4.tcp_wmem</c>'s maximum). Set it to bound
    /// kernel memory per client too.</summary>
    public int? SocketSendBufferSize { get; init; }

    /// <summary>The most requests of one client handled at once (responses may come out of order;
    /// ids pair them). Default 16.</summary>
    public int MaxConcurrentRequestsPerClient { get; init; } = 16;

    /// <summary>How long a client has to authenticate when <see cref="Token"/> is set. Default 10 s.</summary>
    public TimeSpan AuthTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The deepest s-expression nesting accepted.</summary>
    public int MaxDepth { get; init; } = SexpReader.DefaultMaxDepth;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Address);
        ArgumentNullException.ThrowIfNull(Framing);
        Framing.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, IPEndPoint.MaxPort);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxClients);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxQueuedBytes);
        if (SocketSendBufferSize is { } size) ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size, nameof(SocketSendBufferSize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxConcurrentRequestsPerClient);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxDepth);
        if (AuthTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(AuthTimeout), AuthTimeout, "Must be positive.");
        if (Token is { Length: 0 }) throw new ArgumentException("An empty token would let anyone in; use null for no authentication.", nameof(Token));
    }
}
