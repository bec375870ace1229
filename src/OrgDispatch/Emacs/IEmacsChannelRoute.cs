using OrgDispatch.Lisp;

namespace OrgDispatch.Emacs;

/// <summary>
/// What an evaluator can do besides evaluating: reach the lasting channel that <c>orgdispatch.el</c>
/// opens in the daemon. <see cref="EmacsDispatchStore"/> uses it for every request once it works; an
/// evaluator without it (or whose <see cref="CanRoute"/> is false) is used through the server protocol alone.
/// </summary>
internal interface IEmacsChannelRoute
{
    /// <summary>Whether a channel can be had at all (false for an Emacs TCP server).</summary>
    bool CanRoute { get; }

    /// <summary>Asks the daemon for a channel, through <paramref name="evaluate"/> (which has
    /// <c>orgdispatch.el</c> loaded first), and connects to it.</summary>
    /// <returns>The channel; null when this daemon cannot have one (do not ask again).</returns>
    /// <exception cref="EmacsServerException">The channel could not be reached this time
    /// (<see cref="EmacsErrorKind.ConnectionLost"/> with <see cref="EmacsServerException.NoReply"/>: try again later),
    /// or Emacs could not open one (<see cref="EmacsErrorKind.LispError"/>).</exception>
    Task<EmacsChannel?> OpenChannelAsync(Func<string, CancellationToken, Task<Sexp>> evaluate, CancellationToken cancellationToken);
}
