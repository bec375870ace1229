using OrgDispatch.Queue;
namespace OrgDispatch.Emacs;

/// <summary>What went wrong talking to an Emacs server; each kind has its own remedy.</summary>
public enum EmacsErrorKind
{
    /// <summary>No socket (or server file) where one was expected: no daemon was started under that name.</summary>
    SocketMissing,

    /// <summary>The socket exists but nobody answers: the daemon is not running (a stale socket).</summary>
    DaemonNotRunning,

    /// <summary>The host cannot be reached: name not resolved, connection refused or timed out (SSH or TCP).</summary>
    HostUnreachable,

    /// <summary>The server refused us: a wrong <c>-auth</c> key, or SSH authentication or host key failed.</summary>
    AuthenticationFailed,

    /// <summary>Emacs did not answer in time (busy, waiting on a prompt, or hung).</summary>
    Timeout,

    /// <summary>The connection closed before Emacs answered.</summary>
    ConnectionLost,

    /// <summary>The expression was evaluated and signalled an error (Emacs's <c>-error</c> reply).</summary>
    LispError,

    /// <summary>SSH failed for another reason (its message is included).</summary>
    SshFailed,
}

/// <summary>A request to an Emacs server failed. <see cref="Kind"/> says why; the message says what to do.</summary>
public sealed class EmacsServerException : Exception, IDispatchError
{
    /// <summary>Creates the exception.</summary>
    public EmacsServerException(EmacsErrorKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

    /// <summary>What went wrong.</summary>
    public EmacsErrorKind Kind { get; }

    /// <summary>The kind as an error code: <c>socket_missing</c>, <c>daemon_not_running</c>, <c>host_unreachable</c>, …</summary>
    public string Code => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(Kind.ToString());

    /// <summary>True when the connection closed before Emacs sent anything at all (not even its pid):
    /// through an SSH tunnel, the far end could not reach the socket.</summary>
    internal bool NoReply { get; init; }

    /// <summary>True when the daemon may not have seen the request at all (nothing was evaluated), so it is
    /// safe to retry: the socket or host was not reached. False for timeouts and lost connections, where
    /// Emacs may have evaluated the expression.</summary>
    public bool NotEvaluated => Kind is EmacsErrorKind.SocketMissing or EmacsErrorKind.DaemonNotRunning
        or EmacsErrorKind.HostUnreachable or EmacsErrorKind.AuthenticationFailed;
}
