namespace OrgDispatch.Emacs;

/// <summary>
/// What an evaluator can do besides evaluating: reach a Unix socket that the daemon opens beside its
/// server socket. <see cref="EmacsDispatchStore"/> uses it for its lasting channel; an evaluator
/// without it (or whose <see cref="CanRoute"/> is false) is used through the server protocol alone.
/// </summary>
internal interface IEmacsSocketRoute
{
    /// <summary>Whether sockets on the daemon's side can be reached (false for an Emacs TCP server).</summary>
    bool CanRoute { get; }

    /// <summary>How long connecting and one request may take.</summary>
    TimeSpan Timeout { get; }

    /// <summary>A path on this host that connects to <paramref name="daemonSocketPath"/> (a path on the
    /// daemon's host): the same path locally, a forwarded socket over SSH.</summary>
    Task<string> RouteAsync(string daemonSocketPath, CancellationToken cancellationToken);
}
