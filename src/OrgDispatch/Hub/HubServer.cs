using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrgDispatch.Framing;
using OrgDispatch.Lisp;
using OrgDispatch.Queue;

namespace OrgDispatch.Hub;

/// <summary>
/// The hub: serves an <see cref="IDispatchQueue"/> (a file, a buffer in Emacs, another hub) to many clients over TCP with the Harness
/// Communication protocol. Requests get a response on the same connection with the same id;
/// every change the queue makes is broadcast to every connected client as an event.
/// </summary>
/// <remarks>
/// Each client has a bounded outbox drained by its own sender, so a client that stops reading is
/// dropped when its outbox is full instead of stalling the others or growing the hub's memory.
/// A client that breaks the framing is sent the reason and closed; the others carry on. Stopping
/// lets requests under way finish and their responses go out, then closes every connection.
/// </remarks>
public sealed partial class HubServer : IAsyncDisposable
{
    private readonly IDispatchQueue _queue;
    private readonly HubServerOptions _options;
    private readonly ILogger _logger;
    private readonly HubRequestHandler _handler;
    private readonly ConcurrentDictionary<long, Connection> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly byte[]? _tokenHash;
    private Socket? _listener;
    private IPEndPoint? _endPoint;
    private Task? _acceptLoop;
    private Task? _eventPump;
    private long _nextConnectionId;
    private long _eventSequence;
    private int _stopped;

    /// <summary>Creates a hub for <paramref name="queue"/>; call <see cref="StartAsync"/> to listen.</summary>
    /// <param name="queue">The queue to serve (any: a file, an Emacs buffer, even another hub); the hub broadcasts what its <see cref="IDispatchQueue.WatchAsync"/> reports.</param>
    /// <param name="options">Address, port, token, limits; null for the defaults.</param>
    /// <param name="logger">Connections, drops and protocol errors; null for none.</param>
    public HubServer(IDispatchQueue queue, HubServerOptions? options = null, ILogger<HubServer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        _queue = queue;
        _options = options ?? new HubServerOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _handler = new HubRequestHandler(queue, _options);
        _tokenHash = _options.Token is { } token ? SHA256.HashData(Encoding.UTF8.GetBytes(token)) : null;
    }

    /// <summary>The address and port the hub listens on (the real port when 0 was asked for).</summary>
    /// <exception cref="InvalidOperationException">The hub is not started.</exception>
    public IPEndPoint LocalEndPoint => _endPoint ?? throw new InvalidOperationException("The hub is not started.");

    /// <summary>The number of clients connected now.</summary>
    public int ClientCount => _connections.Count;

    /// <summary>Binds and starts accepting clients.</summary>
    /// <exception cref="SocketException">The address or port cannot be bound (e.g. already in use).</exception>
    /// <exception cref="InvalidOperationException">The hub was already started.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_listener is not null) throw new InvalidOperationException("The hub is already started.");
        var listener = new Socket(_options.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(_options.Address, _options.Port));
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        _listener = listener;
        _endPoint = (IPEndPoint)listener.LocalEndPoint!;
        // A DispatchQueue registers the watch before the pump first waits, so no change made after
        // StartAsync is missed; a HubDispatchQueue subscribes when its connection is up.
        _eventPump = PumpEventsAsync(_stopping.Token);
        _acceptLoop = AcceptLoopAsync(listener);
        Log.Listening(_logger, LocalEndPoint, _queue.Location);
        return Task.CompletedTask;
    }

    /// <summary>Stops: no new clients, requests under way finish and are answered, then every
    /// client is sent <c>shutdown</c> and closed.</summary>
    /// <param name="cancellationToken">Ends the wait for requests under way (connections are closed regardless).</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1 || _listener is null) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        if (_acceptLoop is not null) await _acceptLoop.ConfigureAwait(false);
        if (_eventPump is not null) await _eventPump.ConfigureAwait(false);
        Task all = Task.WhenAll(_connections.Values.Select(c => c.Finished));
        try
        {
            await all.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            foreach (Connection c in _connections.Values) c.Abort();
        }
        Log.Stopped(_logger, _endPoint);
    }

    /// <summary>Stops (see <see cref="StopAsync"/>) and releases the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || _stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                Log.AcceptFailed(_logger, e);
                continue;
            }
            socket.NoDelay = true;
            if (_options.SocketSendBufferSize is { } sendBuffer) socket.SendBufferSize = sendBuffer;
            var connection = new Connection(this, Interlocked.Increment(ref _nextConnectionId), socket);
            if (_connections.Count >= _options.MaxClients)
            {
                Log.Busy(_logger, connection.Remote, _options.MaxClients);
                connection.Start(refuseWith: $"The hub serves at most {_options.MaxClients} clients; try again later.");
                continue;
            }
            _connections[connection.Id] = connection;
            connection.Start(refuseWith: null);
        }
    }

    // Until the hub stops. Broadcasting never waits, so the hub's own watch does not fall behind; if it
    // ever did, it resubscribes at once (the gap is logged). A watch that fails otherwise (an upstream
    // hub that is unreachable) is logged and resumed after a pause; a queue disposed under us ends it.
    private async Task PumpEventsAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await foreach (DispatchEvent e in _queue.WatchAsync(stopping).ConfigureAwait(false)) Broadcast(e);
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (DispatchEventsLostException e)
            {
                Log.EventsLost(_logger, e.Message);
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (Exception e)
            {
                Log.WatchFailed(_logger, e);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Broadcast(DispatchEvent e)
    {
        var message = new HubMessage("event", Interlocked.Increment(ref _eventSequence), HubWire.Event(e));
        byte[]?[] encoded = new byte[2][]; // one encoding per dialect, made on first use
        foreach (Connection c in _connections.Values)
        {
            if (!c.Authenticated) continue;
            int d = (int)c.Dialect;
            encoded[d] ??= HubMessage.Encode(message, c.Dialect, _options.Framing);
            c.Send(encoded[d]!);
        }
    }

    private bool CheckToken(string? token)
    {
        if (_tokenHash is null) return true;
        if (token is null) return false;
        // Hashing first makes the comparison constant-time in the length too.
        return CryptographicOperations.FixedTimeEquals(_tokenHash, SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    /// <summary>One client: a reader loop handling requests, a sender draining a bounded outbox.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "RunAsync owns the connection's lifetime and disposes its resources when it ends.")]
    private sealed class Connection
    {
        private readonly HubServer _server;
        private readonly Socket _socket;
        private readonly NetworkStream _stream;
        private readonly Channel<byte[]> _outbox;
        private readonly CancellationTokenSource _abort = new();
        private readonly SemaphoreSlim _inFlight;
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _authenticated;
        private bool _authDeadlinePassed;
        private bool _sawFirst;
        private volatile string? _dropReason;
        private long _queuedBytes;

        public Connection(HubServer server, long id, Socket socket)
        {
            _server = server;
            Id = id;
            _socket = socket;
            _stream = new NetworkStream(socket, ownsSocket: true);
            Remote = socket.RemoteEndPoint;
            _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true }); // bounded in bytes by Send
            _inFlight = new SemaphoreSlim(server._options.MaxConcurrentRequestsPerClient);
            _authenticated = server._tokenHash is null;
        }

        public long Id { get; }

        public EndPoint? Remote { get; }

        public bool Authenticated => _authenticated;

        public LispDialect Dialect { get; private set; } = LispDialect.Emacs;

        public Task Finished => _finished.Task;

        public void Start(string? refuseWith) => _ = RunAsync(refuseWith);

        /// <summary>Queues a framed message; drops the client when its outbox would pass
        /// <see cref="HubServerOptions.MaxQueuedBytes"/>.</summary>
        public void Send(byte[] frame)
        {
            if (_dropReason is not null) return;
            long queued = Interlocked.Add(ref _queuedBytes, frame.Length);
            if (queued <= _server._options.MaxQueuedBytes)
            {
                if (_outbox.Writer.TryWrite(frame)) return;
                Interlocked.Add(ref _queuedBytes, -frame.Length); // closing: nothing more goes out
                return;
            }
            _dropReason = $"not reading: {queued - frame.Length} bytes already waiting";
            Log.Dropped(_server._logger, Remote, _dropReason);
            Abort();
        }

        public void Abort()
        {
            _outbox.Writer.TryComplete();
            try { _abort.Cancel(); }
            catch (ObjectDisposedException) { }
        }

        private async Task RunAsync(string? refuseWith)
        {
            Task sender = SendLoopAsync();
            string? closeReason = refuseWith;
            string closeCode = refuseWith is null ? "shutdown" : "busy";
            if (refuseWith is null)
            {
                Log.Connected(_server._logger, Remote);
                (closeCode, closeReason) = await ReadLoopAsync().ConfigureAwait(false);
            }
            if (closeReason is not null && _dropReason is null)
            {
                Send(HubMessage.Encode(new HubMessage("error", 0, Sexp.Plist(("code", Sexp.String(closeCode)), ("message", Sexp.String(closeReason)))),
                    Dialect, _server._options.Framing));
            }
            _outbox.Writer.TryComplete();
            // Bounded: a client that does not take the last messages within a second is cut off.
            try
            {
                await sender.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Abort();
            }
            if (_dropReason is null) await LingerAsync().ConfigureAwait(false);
            await _stream.DisposeAsync().ConfigureAwait(false);
            _server._connections.TryRemove(Id, out _);
            Log.Disconnected(_server._logger, Remote, _dropReason ?? closeReason ?? "closed by the client");
            _abort.Dispose();
            _finished.TrySetResult();
        }

        /// <summary>Closes our side, then reads and discards what the client still sends (bounded in
        /// bytes and time). Closing a socket with unread input makes the kernel reset the connection,
        /// and a reset can destroy the reason we just sent before the client reads it.</summary>
        private async Task LingerAsync()
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Send);
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                byte[] sink = new byte[4096];
                for (int total = 0; total < 256 * 1024;)
                {
                    int n = await _socket.ReceiveAsync(sink, limit.Token).ConfigureAwait(false);
                    if (n == 0) break;
                    total += n;
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }

        /// <summary>Reads and handles requests until the client leaves, breaks the protocol or the hub
        /// stops; returns why, for the closing message (null: the client closed, nothing to say).</summary>
        private async Task<(string Code, string? Reason)> ReadLoopAsync()
        {
            var reader = new HubMessageReader(_stream, _server._options.Framing, _server._options.MaxDepth);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(_server._stopping.Token, _abort.Token);
            var requests = new List<Task>();
            try
            {
                while (true)
                {
                    Sexp? value = await ReadNextAsync(reader, stop.Token).ConfigureAwait(false);
                    if (value is null) return _authDeadlinePassed ? ("unauthorized", $"No authentication within {_server._options.AuthTimeout.TotalSeconds:0.#} s.") : ("closed", null);
                    if (!_sawFirst)
                    {
                        Dialect = HubMessage.DialectOf(value); // answer each client in its own style
                        _sawFirst = true;
                    }
                    if (ParseRequest(value) is not { } message) continue;
                    if (!_authenticated)
                    {
                        if (Authenticate(message) is { } refusal) return ("unauthorized", refusal);
                        continue;
                    }
                    await _inFlight.WaitAsync(stop.Token).ConfigureAwait(false);
                    requests.RemoveAll(t => t.IsCompleted);
                    requests.Add(HandleAsync(message));
                }
            }
            catch (HarnessProtocolException e)
            {
                Log.ProtocolError(_server._logger, Remote, e.Message);
                return ("protocol_error", e.Message);
            }
            catch (OperationCanceledException)
            {
                return _dropReason is null ? ("shutdown", "The hub is shutting down.") : ("dropped", null);
            }
            catch (IOException)
            {
                return ("closed", null); // the connection broke
            }
            finally
            {
                // Requests under way finish and are answered before the connection closes.
                await Task.WhenAll(requests).ConfigureAwait(false);
                await reader.CompleteAsync().ConfigureAwait(false);
            }
        }

        // The next message, or null at the end of the stream or when an unauthenticated client lets the
        // authentication deadline pass (then _authDeadlinePassed is set).
        private async Task<Sexp?> ReadNextAsync(HubMessageReader reader, CancellationToken stop)
        {
            if (_authenticated) return await reader.ReadAsync(stop).ConfigureAwait(false);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
            deadline.CancelAfter(_server._options.AuthTimeout);
            try
            {
                return await reader.ReadAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                _authDeadlinePassed = true;
                return null;
            }
        }

        // A request envelope, or null after answering what is not one (the connection stays).
        private HubMessage? ParseRequest(Sexp value)
        {
            HubMessage message;
            try
            {
                message = HubMessage.FromSexp(value);
            }
            catch (FormatException e)
            {
                Reply(0, HubRequestHandler.Failure(new HubRequestException("bad_request", e.Message)));
                return null;
            }
            if (message.Type == "request") return message;
            Reply(message.Id, HubRequestHandler.Failure(new HubRequestException("bad_request", $"A client sends requests, not :{message.Type}.")));
            return null;
        }

        // The first request of a hub with a token must be auth with that token: null when it is (and
        // answered), else the reason to close.
        private string? Authenticate(HubMessage message)
        {
            bool isAuth = string.Equals(message.Payload.GetString("op"), "auth", StringComparison.OrdinalIgnoreCase);
            if (!isAuth || !_server.CheckToken(message.Payload.GetString("token")))
            {
                Log.AuthFailed(_server._logger, Remote);
                return isAuth ? "Wrong token." : "This hub needs authentication first: (:op \"auth\" :token \"…\").";
            }
            _authenticated = true;
            Reply(message.Id, Sexp.Plist(("ok", Sexp.T), ("result", Sexp.T)));
            return null;
        }

        private async Task HandleAsync(HubMessage request)
        {
            try
            {
                // Not cancelled by stopping: a change that started is finished and answered.
                SexpList response = await _server._handler.HandleAsync(request.Payload, CancellationToken.None).ConfigureAwait(false);
                Reply(request.Id, response);
            }
            finally
            {
                _inFlight.Release();
            }
        }

        private void Reply(long id, SexpList payload) =>
            Send(HubMessage.Encode(new HubMessage("response", id, payload), Dialect, _server._options.Framing));

        private async Task SendLoopAsync()
        {
            try
            {
                while (await _outbox.Reader.WaitToReadAsync(_abort.Token).ConfigureAwait(false))
                {
                    while (_outbox.Reader.TryRead(out byte[]? frame))
                    {
                        await _stream.WriteAsync(frame, _abort.Token).ConfigureAwait(false);
                        Interlocked.Add(ref _queuedBytes, -frame.Length);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
            {
                Abort(); // the client is gone or cut off; the reader loop ends too
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Hub listening on {EndPoint}, serving {Location}")]
        public static partial void Listening(ILogger logger, IPEndPoint endPoint, string location);

        [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Hub on {EndPoint} stopped")]
        public static partial void Stopped(ILogger logger, IPEndPoint? endPoint);

        [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "Client {Remote} connected")]
        public static partial void Connected(ILogger logger, EndPoint? remote);

        [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "Client {Remote} disconnected: {Reason}")]
        public static partial void Disconnected(ILogger logger, EndPoint? remote, string reason);

        [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Client {Remote} dropped: {Reason}")]
        public static partial void Dropped(ILogger logger, EndPoint? remote, string reason);

        [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Client {Remote} broke the protocol and was closed: {Reason}")]
        public static partial void ProtocolError(ILogger logger, EndPoint? remote, string reason);

        [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Client {Remote} failed to authenticate")]
        public static partial void AuthFailed(ILogger logger, EndPoint? remote);

        [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Client {Remote} refused: the hub is at its limit of {MaxClients} clients")]
        public static partial void Busy(ILogger logger, EndPoint? remote, int maxClients);

        [LoggerMessage(EventId = 109, Level = LogLevel.Error, Message = "Watching the queue's changes failed; resuming")]
        public static partial void WatchFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Some of the queue's events were not broadcast: {Reason}")]
        public static partial void EventsLost(ILogger logger, string reason);

        [LoggerMessage(EventId = 108, Level = LogLevel.Warning, Message = "Accepting a connection failed")]
        public static partial void AcceptFailed(ILogger logger, Exception exception);
    }
}
