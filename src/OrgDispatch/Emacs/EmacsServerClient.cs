using System.Net.Sockets;
using System.Text;

namespace OrgDispatch.Emacs;

/// <summary>
/// A client for the Emacs server protocol (what <c>emacsclient -e</c> speaks), without the
/// <c>emacsclient</c> process: one connection per evaluation, to the daemon's Unix socket or to its
/// TCP port. Thread-safe; evaluations from many threads are served by Emacs one at a time.
/// </summary>
/// <remarks>
/// The request is <c>[-auth KEY] -eval QUOTED-FORM</c> and a newline. Emacs answers with lines:
/// <c>-emacs-pid PID</c>, then <c>-print TEXT</c> followed by <c>-print-nonl TEXT</c> continuations
/// (long values come in pieces of about 1 KB), or <c>-error MESSAGE</c>, which has no final newline.
/// After a value Emacs closes the connection; after an error it keeps it open for five seconds, so
/// the client stops reading once the error has stopped arriving.
/// </remarks>
public sealed class EmacsServerClient : IEmacsEvaluator, IEmacsChannelRoute
{
    // After "-error", Emacs sends nothing more but keeps the connection for 5 s (sit-for 5).
    private static readonly TimeSpan ErrorQuietPeriod = TimeSpan.FromMilliseconds(50);

    /// <summary>Creates a client; nothing is connected until the first evaluation.</summary>
    /// <param name="endpoint">Where the server is (see <see cref="EmacsServerEndpoint.Resolve(string?)"/>).</param>
    /// <param name="timeout">How long one evaluation may take, connecting included; default 30 seconds.</param>
    public EmacsServerClient(EmacsServerEndpoint endpoint, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
        Timeout = timeout ?? TimeSpan.FromSeconds(30);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(timeout));
    }

    /// <summary>Where the server is.</summary>
    public EmacsServerEndpoint Endpoint { get; }

    /// <summary>How long one evaluation may take.</summary>
    public TimeSpan Timeout { get; }

    // A daemon on a Unix socket can open another beside it, reached by the same path.
    bool IEmacsChannelRoute.CanRoute => Endpoint.SocketPath is not null;

    Task<EmacsChannel?> IEmacsChannelRoute.OpenChannelAsync(Func<string, CancellationToken, Task<Lisp.Sexp>> evaluate, CancellationToken cancellationToken) =>
        EmacsChannel.OpenBesideServerAsync(evaluate, (path, _) => Task.FromResult(path), Timeout, cancellationToken);

    /// <inheritdoc/>
    public string Description => Endpoint.ToString();

    /// <inheritdoc/>
    public async Task<EmacsResult> EvaluateAsync(string expression, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(expression);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        try
        {
            using Socket socket = await ConnectAsync(deadline.Token).ConfigureAwait(false);
            try
            {
                await socket.SendAsync(BuildRequest(expression), SocketFlags.None, deadline.Token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new EmacsServerException(EmacsErrorKind.ConnectionLost, $"Emacs at {Endpoint} closed the connection before taking the request: {e.Message}", e)
                {
                    NoReply = true,
                };
            }
            return await ReadReplyAsync(socket, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EmacsServerException(EmacsErrorKind.Timeout,
                $"Emacs at {Endpoint} did not answer within {Timeout.TotalSeconds:0.#} s: it may be busy, waiting at a prompt, or hung.");
        }
        catch (SocketException e)
        {
            throw new EmacsServerException(EmacsErrorKind.ConnectionLost, $"The connection to Emacs at {Endpoint} failed: {e.Message}", e);
        }
    }

    private byte[] BuildRequest(string expression)
    {
        var line = new StringBuilder(expression.Length + 16);
        if (Endpoint.AuthKey is { } key) line.Append("-auth ").Append(key).Append(' ');
        line.Append("-eval ");
        EmacsServerQuoting.Quote(line, expression);
        line.Append('\n');
        return Encoding.UTF8.GetBytes(line.ToString());
    }

    private async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            Socket socket = Endpoint.SocketPath is not null
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (Endpoint.SocketPath is { } path)
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                else
                    await socket.ConnectAsync(Endpoint.Host!, Endpoint.Port, cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain)
            {
                // A Unix socket's backlog is full: Emacs is busy with other clients. Wait for a turn
                // (until the timeout), as a blocking connect would.
                socket.Dispose();
                await Task.Delay(Random.Shared.Next(1, 2 + Math.Min(2 * attempt, 50)), cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw ConnectFailure(e);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    private EmacsServerException ConnectFailure(SocketException e)
    {
        if (Endpoint.SocketPath is { } path)
        {
            if (!File.Exists(path))
            {
                string where = Endpoint.Candidates.Count > 1 ? string.Join(" or ", Endpoint.Candidates) : path;
                return new EmacsServerException(EmacsErrorKind.SocketMissing,
                    $"No Emacs server socket at {where}: start Emacs with --daemon (or M-x server-start), or name the socket with --socket.", e);
            }
            return new EmacsServerException(EmacsErrorKind.DaemonNotRunning,
                $"The Emacs server socket {path} exists but no Emacs answers ({e.SocketErrorCode}): the daemon is not running; restart it.", e);
        }
        return e.SocketErrorCode == SocketError.ConnectionRefused
            ? new EmacsServerException(EmacsErrorKind.DaemonNotRunning,
                $"No Emacs server listens on {Endpoint}: the daemon is not running (a stale server file?).", e)
            : new EmacsServerException(EmacsErrorKind.HostUnreachable, $"Cannot reach the Emacs server at {Endpoint}: {e.Message}", e);
    }

    private async Task<EmacsResult> ReadReplyAsync(Socket socket, CancellationToken cancellationToken)
    {
        var reply = new ReplyParser();
        byte[] buffer = new byte[16 * 1024];
        bool received = false;
        while (true)
        {
            int read;
            if (!reply.ErrorStarted)
            {
                try
                {
                    read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    throw new EmacsServerException(EmacsErrorKind.ConnectionLost, $"The connection to Emacs at {Endpoint} failed: {e.Message}", e)
                    {
                        NoReply = !received,
                    };
                }
            }
            else
            {
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                quiet.CancelAfter(ErrorQuietPeriod);
                try
                {
                    read = await socket.ReceiveAsync(buffer, SocketFlags.None, quiet.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    read = 0; // the error has arrived whole; Emacs just has not closed yet
                }
            }
            if (read == 0) break;
            reply.Feed(buffer.AsSpan(0, read));
            received = true;
        }
        reply.Finish();
        if (reply.Truncated)
        {
            throw new EmacsServerException(EmacsErrorKind.ConnectionLost, $"Emacs at {Endpoint} closed the connection in the middle of its answer (did it exit?).");
        }
        if (reply.Error is { } error)
        {
            string message = Encoding.UTF8.GetString(error.ToArray());
            return message == "Authentication failed"
                ? throw new EmacsServerException(EmacsErrorKind.AuthenticationFailed, $"Emacs at {Endpoint} refused the auth key: {message}.")
                : throw new EmacsServerException(EmacsErrorKind.LispError, message);
        }
        if (reply.Value is not { } value)
        {
            throw new EmacsServerException(EmacsErrorKind.ConnectionLost,
                $"Emacs at {Endpoint} closed the connection without answering" + (reply.Pid == 0 ? " (is it an Emacs server?)." : "."))
            {
                NoReply = reply.Pid == 0,
            };
        }
        string text = Encoding.UTF8.GetString(value.ToArray());
        return new EmacsResult(text.EndsWith('\n') ? text[..^1] : text, reply.Pid);
    }

    /// <summary>Splits the reply into lines, whatever the read boundaries, and collects the value or error.</summary>
    private sealed class ReplyParser
    {
        private readonly List<byte> _pending = [];

        public int Pid { get; private set; }

        public List<byte>? Value { get; private set; }

        public List<byte>? Error { get; private set; }

        public bool ErrorStarted => Error is not null || System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending).StartsWith("-error "u8);

        public void Feed(ReadOnlySpan<byte> data)
        {
            _pending.AddRange(data);
            int start = 0;
            for (int i = 0; i < _pending.Count; i++)
            {
                if (_pending[i] != (byte)'\n') continue;
                Line(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending)[start..i]);
                start = i + 1;
            }
            _pending.RemoveRange(0, start);
        }

        /// <summary>True when the connection ended in the middle of a value (only an error lacks its final newline).</summary>
        public bool Truncated { get; private set; }

        // "-error MESSAGE" has no final newline: what is left at the end is a line too.
        public void Finish()
        {
            ReadOnlySpan<byte> rest = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending);
            if (rest.StartsWith("-print"u8)) Truncated = true;
            else if (rest.Length > 0) Line(rest);
            _pending.Clear();
        }

        private void Line(ReadOnlySpan<byte> line)
        {
            int space = line.IndexOf((byte)' ');
            ReadOnlySpan<byte> command = space < 0 ? line : line[..space];
            ReadOnlySpan<byte> argument = space < 0 ? default : line[(space + 1)..];
            if (command.SequenceEqual("-emacs-pid"u8))
            {
                Pid = int.TryParse(argument, out int pid) ? pid : 0;
            }
            else if (command.SequenceEqual("-print"u8))
            {
                Value = [];
                EmacsServerQuoting.Unquote(argument, Value);
            }
            else if (command.SequenceEqual("-print-nonl"u8))
            {
                EmacsServerQuoting.Unquote(argument, Value ??= []);
            }
            else if (command.SequenceEqual("-error"u8))
            {
                EmacsServerQuoting.Unquote(argument, Error ??= []);
            }
            // Other commands (-window-system-unsupported, -suspend, …) do not concern an evaluation.
        }
    }
}
