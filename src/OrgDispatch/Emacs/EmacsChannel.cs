using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using OrgDispatch.Framing;
using OrgDispatch.Lisp;

namespace OrgDispatch.Emacs;

/// <summary>
/// One lasting connection to the small private server that <c>orgdispatch.el</c> starts in the
/// daemon (<c>orgdispatch-channel</c>), beside the Emacs server's own socket (reached directly, or
/// forwarded through SSH). A request costs one
/// frame each way instead of a whole server-protocol client (about 0.06 ms of Emacs's time instead
/// of 0.35 ms and more). Frames are Harness Communication frames: six hex digits counting
/// characters, then the text. Requests are sent one at a time.
/// </summary>
internal sealed class EmacsChannel : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly string _where;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _turn = new(1, 1);
    // A dispatch file's text (base64) may exceed the 1 Mi default; Lisp frames can carry 0xFFFFFF.
    private static readonly HarnessFramingOptions Framing = new() { MaxMessageLength = 0xFFFFFF };
    private readonly HarnessFrameReader _frames = new(Framing);
    private readonly ArrayBufferWriter<byte> _incoming = new();

    private EmacsChannel(Socket socket, string where, TimeSpan timeout)
    {
        _socket = socket;
        _where = where;
        _timeout = timeout;
    }

    /// <summary>Connects to the channel at <paramref name="path"/>; null if it cannot be reached.</summary>
    public static Task<EmacsChannel?> ConnectAsync(string path, TimeSpan timeout, CancellationToken cancellationToken) =>
        ConnectAsync(new UnixDomainSocketEndPoint(path), path, key: null, timeout, cancellationToken);

    /// <summary>Connects to the channel at <paramref name="endPoint"/> (a Unix socket, or a loopback TCP
    /// port that forwards to one opened by <c>orgdispatch-channel-tcp</c>) and presents
    /// <paramref name="key"/> first if given; null if it cannot be reached.</summary>
    /// <param name="endPoint">Where the channel listens.</param>
    /// <param name="description">Where that is, for messages.</param>
    /// <param name="key">The one-use key the TCP channel expects as its first frame, or null.</param>
    /// <param name="timeout">How long one request may take.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    public static async Task<EmacsChannel?> ConnectAsync(EndPoint endPoint, string description, string? key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            // One small frame each way per request: Nagle would hold a request back for an ACK.
            if (endPoint.AddressFamily != AddressFamily.Unix) socket.NoDelay = true;
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            if (key is not null)
            {
                var frame = new ArrayBufferWriter<byte>(key.Length + 6);
                HarnessFrame.Write(frame, key.AsSpan(), Framing);
                await socket.SendAsync(frame.WrittenMemory, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            return new EmacsChannel(socket, description, timeout);
        }
        catch (Exception e)
        {
            socket.Dispose();
            if (e is SocketException) return null;
            throw;
        }
    }

    /// <summary>Opens the channel beside a daemon's Unix server socket (<c>orgdispatch-channel</c>), reached
    /// through <paramref name="route"/> (the same path here, a forwarded socket over SSH).</summary>
    /// <returns>The channel; null when the daemon cannot have one (it serves over TCP).</returns>
    /// <exception cref="EmacsServerException">The channel's socket did not accept (<see cref="EmacsErrorKind.ConnectionLost"/>).</exception>
    public static async Task<EmacsChannel?> OpenBesideServerAsync(
        Func<string, CancellationToken, Task<Sexp>> evaluate, Func<string, CancellationToken, Task<string>> route, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (await evaluate("(orgdispatch-channel)", cancellationToken).ConfigureAwait(false) is not SexpString path) return null;
        string reachable = await route(path.Value, cancellationToken).ConfigureAwait(false);
        return await ConnectAsync(reachable, timeout, cancellationToken).ConfigureAwait(false)
            ?? throw new EmacsServerException(EmacsErrorKind.ConnectionLost, $"Emacs's channel at {reachable} did not accept a connection.") { NoReply = true };
    }

    /// <summary>Evaluates <paramref name="form"/> and returns its printed value (<c>prin1</c>).</summary>
    /// <exception cref="EmacsServerException">The form signalled an error (<see cref="EmacsErrorKind.LispError"/>),
    /// the connection broke (<see cref="EmacsErrorKind.ConnectionLost"/>: the form may have run), or the
    /// answer took longer than the timeout.</exception>
    public async Task<string> EvaluateAsync(string form, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        await _turn.WaitAsync(deadline.Token).ConfigureAwait(false);
        bool answered = false;
        try
        {
            if (IsBroken)
            {
                throw new EmacsServerException(EmacsErrorKind.ConnectionLost, $"The connection to Emacs on {_where} is closed.") { NoReply = true };
            }
            var request = new ArrayBufferWriter<byte>(form.Length + 16);
            HarnessFrame.Write(request, form.AsSpan(), Framing);
            await _socket.SendAsync(request.WrittenMemory, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            string reply = await ReceiveFrameAsync(deadline.Token).ConfigureAwait(false);
            answered = true;
            AnsweredAny = true;
            return reply.Length > 0 && reply[0] == 'V'
                ? reply[1..]
                : throw new EmacsServerException(EmacsErrorKind.LispError, reply.Length > 0 ? reply[1..] : "Emacs sent an empty answer.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EmacsServerException(EmacsErrorKind.Timeout,
                $"Emacs did not answer on {_where} within {_timeout.TotalSeconds:0.#} s: it may be busy, waiting at a prompt, or hung.");
        }
        catch (Exception e) when (e is SocketException or HarnessProtocolException or ObjectDisposedException)
        {
            throw new EmacsServerException(EmacsErrorKind.ConnectionLost, $"The connection to Emacs on {_where} broke: {e.Message}", e);
        }
        finally
        {
            // A request left without its answer (timeout, cancellation, broken connection) would
            // leave that answer for the next one: the channel is not used again.
            if (!answered && !IsBroken)
            {
                IsBroken = true;
                _socket.Dispose();
            }
            _turn.Release();
        }
    }

    /// <summary>True once Emacs has answered on this channel: the way through works.</summary>
    public bool AnsweredAny { get; private set; }

    /// <summary>True once a request went unanswered: the channel must be replaced.</summary>
    public bool IsBroken { get; private set; }

    private async Task<string> ReceiveFrameAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var buffered = new ReadOnlySequence<byte>(_incoming.WrittenMemory);
            if (_frames.TryRead(ref buffered, out ReadOnlySequence<byte> payload))
            {
                string text = Encoding.UTF8.GetString(payload);
                byte[] rest = buffered.ToArray();
                _incoming.Clear();
                _incoming.Write(rest);
                return text;
            }
            int read = await _socket.ReceiveAsync(_incoming.GetMemory(16 * 1024), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0) throw new SocketException((int)SocketError.ConnectionReset);
            _incoming.Advance(read);
        }
    }

    // The turnstile is not disposed: callers may still be waiting on it, and will find the channel broken.
    public ValueTask DisposeAsync()
    {
        IsBroken = true;
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
