using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrgDispatch.Framing;
using OrgDispatch.Lisp;
using OrgDispatch.Queue;

namespace OrgDispatch.Hub;

/// <summary>How a <see cref="HubClient"/> reaches its hub.</summary>
public sealed record HubClientOptions
{
    /// <summary>The hub's host name or address. Default 127.0.0.1.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The hub's port. Default 9105.</summary>
    public int Port { get; init; } = HubServerOptions.DefaultPort;

    /// <summary>The hub's shared secret, sent first on every connection; null when the hub has none.</summary>
    public string? Token { get; init; }

    /// <summary>Frame length unit and the largest message accepted; must match the hub's unit.</summary>
    public HarnessFramingOptions Framing { get; init; } = HarnessFramingOptions.Default;

    /// <summary>How long one connection attempt may take. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a request waits for its response. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Connection attempts before giving up, each after a doubling delay. Default 5.</summary>
    public int MaxConnectAttempts { get; init; } = 5;

    /// <summary>How many unread events one <see cref="HubClient.EventsAsync"/> may hold before it is ended
    /// with <see cref="DispatchEventsLostException"/>. Default 10,000.</summary>
    public int WatchBufferSize { get; init; } = 10_000;

    /// <summary>The delay before the second attempt; it doubles up to <see cref="MaxReconnectDelay"/>. Default 100 ms.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest delay between attempts. Default 5 s.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Parses <c>HOST:PORT</c> (or <c>HOST</c>, or <c>[IPv6]:PORT</c>) into options.</summary>
    /// <exception cref="FormatException">The text is not a host and port.</exception>
    public static HubClientOptions Parse(string hostAndPort)
    {
        ArgumentNullException.ThrowIfNull(hostAndPort);
        string host = hostAndPort;
        int port = HubServerOptions.DefaultPort;
        int colon = hostAndPort.LastIndexOf(':');
        // A port follows the only colon (host:port) or a bracketed IPv6 address ([::1]:port).
        bool hasPort = colon > 0 && (hostAndPort.IndexOf(':') == colon || hostAndPort[colon - 1] == ']');
        if (hasPort)
        {
            if (!int.TryParse(hostAndPort.AsSpan(colon + 1), out port) || port is <= 0 or > 65535)
            {
                throw new FormatException($"\"{hostAndPort}\" is not HOST:PORT: the port must be a number from 1 to 65535.");
            }
            host = hostAndPort[..colon];
        }
        host = host.Trim('[', ']');
        if (host.Length == 0) throw new FormatException($"\"{hostAndPort}\" is not HOST:PORT: the host is missing.");
        return new HubClientOptions { Host = host, Port = port };
    }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Host);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535);
        ArgumentNullException.ThrowIfNull(Framing);
        Framing.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxConnectAttempts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(WatchBufferSize);
        foreach (TimeSpan t in new[] { ConnectTimeout, RequestTimeout, ReconnectDelay, MaxReconnectDelay })
        {
            if (t <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(t), t, "Timeouts and delays must be positive.");
        }
    }
}

/// <summary>
/// A connection to an OrgDispatch hub: requests with their responses, and the stream of events.
/// Connects on first use and again after the connection is lost, with a doubling delay between
/// attempts. Thread-safe: many requests may be under way at once on the one connection.
/// </summary>
/// <remarks>A request under way when the connection breaks fails with
/// <see cref="DispatchStoreException"/>; it is not repeated, since it may have been applied (a claim
/// can be repeated safely: it answers AlreadyYours). Events sent while no connection was up are missed.</remarks>
public sealed partial class HubClient : IAsyncDisposable
{
    private readonly HubClientOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly List<Channel<DispatchEvent>> _subscribers = [];
    private readonly CancellationTokenSource _disposed = new();
    private Session? _session;
    private long _nextId;

    /// <summary>Creates a client; nothing connects until the first request.</summary>
    /// <param name="options">Where the hub is, token, timeouts; null for 127.0.0.1:9105.</param>
    /// <param name="logger">Connection attempts and losses; null for none.</param>
    public HubClient(HubClientOptions? options = null, ILogger<HubClient>? logger = null)
    {
        _options = options ?? new HubClientOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The hub's address, <c>tcp://HOST:PORT</c>.</summary>
    public string Address => $"tcp://{_options.Host}:{_options.Port}";

    /// <summary>Connects now (requests connect on their own; this surfaces an unreachable hub early).</summary>
    /// <exception cref="DispatchStoreException">The hub cannot be reached after <see cref="HubClientOptions.MaxConnectAttempts"/> attempts.</exception>
    /// <exception cref="HubRemoteException">The hub refused the token.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default) => await GetSessionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Sends a request and returns its result.</summary>
    /// <param name="payload">The request, e.g. <c>(:op "claim" :task "TASK-00001" :agent "a1")</c>.</param>
    /// <param name="cancellationToken">Stops waiting (the hub may still carry the request out).</param>
    /// <returns>The response's <c>:result</c>.</returns>
    /// <exception cref="DispatchException">The queue refused (the same types as <see cref="DispatchQueue"/> throws).</exception>
    /// <exception cref="ArgumentException">The hub found the request malformed.</exception>
    /// <exception cref="HubRemoteException">Another error the hub reported (its code says which).</exception>
    /// <exception cref="DispatchStoreException">The hub is unreachable, the connection broke, the request timed out,
    /// or the hub could not reach its own store.</exception>
    public async Task<Sexp> RequestAsync(SexpList payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        Session session = await GetSessionAsync(cancellationToken).ConfigureAwait(false);
        SexpList response = await session.SendAsync(Interlocked.Increment(ref _nextId), payload, _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        if (response.GetBool("ok")) return response.Get("result") ?? Sexp.Nil;
        throw HubWire.ReadError(response.GetList("error") ?? Sexp.Nil);
    }

    /// <summary>The hub's events as they arrive, until cancelled (then <see cref="OperationCanceledException"/>).
    /// Reconnects when the connection is lost (events in the gap are missed); ends with
    /// <see cref="DispatchStoreException"/> when the hub stays unreachable. Each call is its own
    /// subscription with its own buffer (<see cref="HubClientOptions.WatchBufferSize"/>); a consumer that
    /// falls that far behind is ended with <see cref="DispatchEventsLostException"/>.</summary>
    public async IAsyncEnumerable<DispatchEvent> EventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Wait mode: TryWrite fails when full, and the session then ends this subscription (never drops silently).
        var channel = Channel.CreateBounded<DispatchEvent>(new BoundedChannelOptions(_options.WatchBufferSize) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        lock (_subscribers) _subscribers.Add(channel);
        try
        {
            while (true)
            {
                Session session = await GetSessionAsync(cancellationToken).ConfigureAwait(false);
                while (true)
                {
                    Task<bool> ready = channel.Reader.WaitToReadAsync(cancellationToken).AsTask();
                    await Task.WhenAny(ready, session.Closed).ConfigureAwait(false);
                    while (channel.Reader.TryRead(out DispatchEvent? e)) yield return e;
                    if (ready.IsCompleted && !await ready.ConfigureAwait(false)) yield break; // surfaces cancellation and lost events
                    if (session.Closed.IsCompleted) break;
                }
            }
        }
        finally
        {
            lock (_subscribers) _subscribers.Remove(channel);
        }
    }

    /// <summary>Closes the connection; requests under way fail.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested) return;
        await _disposed.CancelAsync().ConfigureAwait(false);
        if (_session is { } s) await s.CloseAsync().ConfigureAwait(false);
    }

    private async ValueTask<Session> GetSessionAsync(CancellationToken cancellationToken)
    {
        if (_session is { IsOpen: true } open) return open;
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_session is { IsOpen: true } again) return again;
            TimeSpan delay = _options.ReconnectDelay;
            for (int attempt = 1; ; attempt++)
            {
                ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
                try
                {
                    _session = await Session.OpenAsync(this, cancellationToken).ConfigureAwait(false);
                    Log.Connected(_logger, Address, attempt);
                    return _session;
                }
                catch (Exception e) when (e is SocketException or IOException or TimeoutException or HarnessProtocolException)
                {
                    Log.ConnectFailed(_logger, Address, attempt, e.Message);
                    if (attempt >= _options.MaxConnectAttempts)
                    {
                        throw new DispatchStoreException($"Cannot reach the hub at {Address} after {attempt} attempts: {e.Message}", e);
                    }
                }
                // Full jitter keeps many agents that lost the hub together from returning in step.
                await Task.Delay(TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + Random.Shared.NextDouble() / 2))), cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private void Publish(DispatchEvent e)
    {
        lock (_subscribers)
        {
            foreach (Channel<DispatchEvent> c in _subscribers)
            {
                if (!c.Writer.TryWrite(e)) c.Writer.TryComplete(new DispatchEventsLostException(_options.WatchBufferSize));
            }
        }
    }

    /// <summary>One TCP connection: a writer guarded by a lock, a reader loop matching responses to requests.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The reader loop owns the session's lifetime and disposes the stream when it ends; the lock has no wait handle.")]
    private sealed class Session
    {
        private readonly HubClient _client;
        private readonly Socket _socket;
        private readonly NetworkStream _stream;
        private readonly SemaphoreSlim _writeLock = new(1, 1);
        private readonly ConcurrentDictionary<long, TaskCompletionSource<SexpList>> _pending = new();
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private string? _closeReason;
        private string? _closeCode;

        private Session(HubClient client, Socket socket)
        {
            _client = client;
            _socket = socket;
            _stream = new NetworkStream(socket, ownsSocket: true);
        }

        public bool IsOpen => !_closed.Task.IsCompleted;

        public Task Closed => _closed.Task;

        public static async Task<Session> OpenAsync(HubClient client, CancellationToken cancellationToken)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    timeout.CancelAfter(client._options.ConnectTimeout);
                    try
                    {
                        await socket.ConnectAsync(client._options.Host, client._options.Port, timeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        throw new TimeoutException($"No connection within {client._options.ConnectTimeout.TotalSeconds:0.#} s.");
                    }
                }
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            var session = new Session(client, socket);
            _ = session.ReadLoopAsync();
            if (client._options.Token is { } token)
            {
                SexpList answer = await session.SendAsync(0, Sexp.Plist(("op", Sexp.String("auth")), ("token", Sexp.String(token))),
                    client._options.RequestTimeout, cancellationToken, connecting: true).ConfigureAwait(false);
                if (!answer.GetBool("ok"))
                {
                    await session.CloseAsync().ConfigureAwait(false);
                    throw HubWire.ReadError(answer.GetList("error") ?? Sexp.Nil);
                }
            }
            return session;
        }

        public async Task<SexpList> SendAsync(long id, SexpList payload, TimeSpan timeout, CancellationToken cancellationToken, bool connecting = false)
        {
            var reply = new TaskCompletionSource<SexpList>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[id] = reply;
            try
            {
                // Closed before the request was registered: Fail has already run, so fail it here.
                if (!IsOpen) throw new DispatchStoreException($"Lost the hub at {_client.Address}: {_closeReason ?? "the connection closed"}.");
                byte[] frame = HubMessage.Encode(new HubMessage("request", id, payload), LispDialect.Emacs, _client._options.Framing);
                await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await _stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
                {
                    Fail($"the connection broke: {e.Message}");
                }
                finally
                {
                    _writeLock.Release();
                }
                try
                {
                    return await reply.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    throw new DispatchStoreException($"The hub at {_client.Address} did not answer {payload.GetString("op")} within {timeout.TotalSeconds:0.#} s.");
                }
            }
            catch (DispatchStoreException e) when (connecting)
            {
                throw new IOException(e.Message, e); // let the connect loop retry
            }
            finally
            {
                _pending.TryRemove(id, out _);
            }
        }

        public async Task CloseAsync()
        {
            Fail("the client closed the connection");
            try { _socket.Shutdown(SocketShutdown.Both); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
            await _stream.DisposeAsync().ConfigureAwait(false);
        }

        private async Task ReadLoopAsync()
        {
            var reader = new HubMessageReader(_stream, _client._options.Framing, SexpReader.DefaultMaxDepth);
            string reason = "the hub closed the connection";
            try
            {
                while (await reader.ReadAsync(_client._disposed.Token).ConfigureAwait(false) is { } value)
                {
                    HubMessage message = HubMessage.FromSexp(value);
                    switch (message.Type)
                    {
                        case "response":
                            if (_pending.TryGetValue(message.Id, out var reply)) reply.TrySetResult(message.Payload);
                            break;
                        case "event":
                            _client.Publish(HubWire.ReadEvent(message.Payload));
                            break;
                        case "error":
                            // The hub's reason for closing; the close itself follows.
                            _closeCode = message.Payload.GetString("code");
                            _closeReason = message.Payload.GetString("message");
                            break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                reason = "the connection broke: " + e.Message;
            }
            catch (Exception e) when (e is HarnessProtocolException or FormatException)
            {
                reason = "the hub sent a message this client cannot read: " + e.Message;
            }
            finally
            {
                await reader.CompleteAsync().ConfigureAwait(false);
            }
            Fail(_closeReason is null ? reason : $"the hub closed the connection ({_closeCode}): {_closeReason}");
            await _stream.DisposeAsync().ConfigureAwait(false);
        }

        private void Fail(string reason)
        {
            if (!_closed.TrySetResult()) return;
            Log.ConnectionLost(_client._logger, _client.Address, reason);
            foreach (var reply in _pending.Values)
            {
                reply.TrySetException(_closeCode == "unauthorized"
                    ? new HubRemoteException("unauthorized", _closeReason ?? reason)
                    : new DispatchStoreException($"Lost the hub at {_client.Address}: {reason}."));
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Connected to {Address} (attempt {Attempt})")]
        public static partial void Connected(ILogger logger, string address, int attempt);

        [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Connecting to {Address} failed (attempt {Attempt}): {Reason}")]
        public static partial void ConnectFailed(ILogger logger, string address, int attempt, string reason);

        [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Connection to {Address} lost: {Reason}")]
        public static partial void ConnectionLost(ILogger logger, string address, string reason);
    }
}
