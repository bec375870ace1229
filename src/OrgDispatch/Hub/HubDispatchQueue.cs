using OrgDispatch.Lisp;
using OrgDispatch.Queue;

namespace OrgDispatch.Hub;

/// <summary>
/// The queue through an OrgDispatch hub (the tcp transport): the same calls, results and exceptions
/// as <see cref="DispatchQueue"/> on a file, each one a request to the hub, which applies it to its
/// own store. Thread-safe.
/// </summary>
/// <remarks>The hub's errors come back as the queue's own exception types; a hub that cannot be
/// reached, or a connection that breaks, is a <see cref="DispatchStoreException"/>.</remarks>
public sealed class HubDispatchQueue : IDispatchQueue, IAsyncDisposable
{
    private readonly HubClient _client;
    private readonly bool _ownsClient;

    /// <summary>A queue over <paramref name="client"/>.</summary>
    /// <param name="client">The connection to the hub.</param>
    /// <param name="ownsClient">Whether disposing the queue disposes the client.</param>
    public HubDispatchQueue(HubClient client, bool ownsClient = true)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _ownsClient = ownsClient;
    }

    /// <summary>A queue over a new client with <paramref name="options"/>.</summary>
    public HubDispatchQueue(HubClientOptions options) : this(new HubClient(options)) { }

    /// <summary>The connection in use (for its events: <see cref="HubClient.EventsAsync"/>).</summary>
    public HubClient Client => _client;

    /// <inheritdoc/>
    public string Location => _client.Address;

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DispatchTask>> GetTasksAsync(CancellationToken cancellationToken = default) =>
        HubWire.ReadTasks(await Request(cancellationToken, ("op", Arg("tasks"))).ConfigureAwait(false));

    /// <inheritdoc/>
    public async Task<DispatchTask> GetTaskAsync(string id, CancellationToken cancellationToken = default) =>
        HubWire.ReadTask(AsList(await Request(cancellationToken, ("op", Arg("task")), ("task", Arg(id))).ConfigureAwait(false)));

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DispatchTask>> PollAsync(string agent, CancellationToken cancellationToken = default) =>
        HubWire.ReadTasks(await Request(cancellationToken, ("op", Arg("poll")), ("agent", Arg(agent))).ConfigureAwait(false));

    /// <inheritdoc/>
    public async Task<DispatchTask?> NextAsync(string agent, TimeSpan? lease = null, CancellationToken cancellationToken = default)
    {
        Sexp result = await Request(cancellationToken, ("op", Arg("next")), ("agent", Arg(agent)), ("lease", HubWire.Lease(lease))).ConfigureAwait(false);
        return result.IsNil ? null : HubWire.ReadTask(AsList(result));
    }

    /// <inheritdoc/>
    public async Task<ClaimResult> ClaimAsync(string id, string agent, TimeSpan? lease = null, CancellationToken cancellationToken = default) =>
        HubWire.ReadClaim(AsList(await Request(cancellationToken, ("op", Arg("claim")), ("task", Arg(id)), ("agent", Arg(agent)), ("lease", HubWire.Lease(lease))).ConfigureAwait(false)));

    /// <inheritdoc/>
    public Task<DispatchTask> HeartbeatAsync(string id, string agent, TimeSpan? lease = null, CancellationToken cancellationToken = default) =>
        TaskRequest(cancellationToken, ("op", Arg("heartbeat")), ("task", Arg(id)), ("agent", Arg(agent)), ("lease", HubWire.Lease(lease)));

    /// <inheritdoc/>
    public Task<DispatchTask> ReleaseAsync(string id, string agent, CancellationToken cancellationToken = default) =>
        TaskRequest(cancellationToken, ("op", Arg("release")), ("task", Arg(id)), ("agent", Arg(agent)));

    /// <inheritdoc/>
    public Task<DispatchTask> DoneAsync(string id, string agent, string result, CancellationToken cancellationToken = default) =>
        TaskRequest(cancellationToken, ("op", Arg("done")), ("task", Arg(id)), ("agent", Arg(agent)), ("result", Arg(result)));

    /// <inheritdoc/>
    public Task<DispatchTask> FailAsync(string id, string agent, string reason, CancellationToken cancellationToken = default) =>
        TaskRequest(cancellationToken, ("op", Arg("fail")), ("task", Arg(id)), ("agent", Arg(agent)), ("reason", Arg(reason)));

    /// <inheritdoc/>
    public Task<DispatchTask> SkipAsync(string id, string agent, string? reason = null, CancellationToken cancellationToken = default) =>
        TaskRequest(cancellationToken, ("op", Arg("skip")), ("task", Arg(id)), ("agent", Arg(agent)), ("reason", Sexp.StringOrNil(reason)));

    /// <inheritdoc/>
    public Task<DispatchTask> AddAsync(NewTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        return ReadTaskAsync(_client.RequestAsync(new SexpList([Sexp.Keyword("op"), Sexp.String("add"), .. HubWire.NewTask(task)]), cancellationToken));
    }

    /// <inheritdoc/>
    public async Task<ActivityEntry> AppendAsync(string agent, string message, CancellationToken cancellationToken = default) =>
        HubWire.ReadActivity(AsList(await Request(cancellationToken, ("op", Arg("append")), ("agent", Arg(agent)), ("message", Arg(message))).ConfigureAwait(false)));

    /// <inheritdoc/>
    /// <remarks>An unreachable hub is reported as <see cref="DispatchStatus.Reachable"/> false, like an unreachable file.</remarks>
    public async Task<DispatchStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return HubWire.ReadStatus(AsList(await Request(cancellationToken, ("op", Arg("status"))).ConfigureAwait(false)));
        }
        catch (DispatchStoreException e)
        {
            return new DispatchStatus { Location = Location, Reachable = false, Error = e.Message };
        }
    }

    /// <summary>Evaluates Emacs Lisp on the hub's transport (a hub over the Emacs or SSH transport, started with eval allowed).</summary>
    /// <param name="expression">One Lisp form.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The value the hub returned.</returns>
    /// <exception cref="HubRemoteException">The hub refused (<c>eval_disabled</c>, <c>eval_unsupported</c>) or the form failed.</exception>
    public Task<Sexp> EvaluateAsync(string expression, CancellationToken cancellationToken = default) =>
        Request(cancellationToken, ("op", Arg("eval")), ("expr", Arg(expression)));

    /// <inheritdoc/>
    /// <remarks>Every change the hub makes, whoever asked for it; resubscribes after a reconnect
    /// (events during the gap are not replayed). The same stream as <see cref="HubClient.EventsAsync"/>.</remarks>
    public IAsyncEnumerable<DispatchEvent> WatchAsync(CancellationToken cancellationToken = default) => _client.EventsAsync(cancellationToken);

    /// <summary>Disposes the client if this queue owns it.</summary>
    public ValueTask DisposeAsync() => _ownsClient ? _client.DisposeAsync() : ValueTask.CompletedTask;

    private Task<DispatchTask> TaskRequest(CancellationToken cancellationToken, params (string, Sexp?)[] pairs) =>
        ReadTaskAsync(Request(cancellationToken, pairs));

    private static async Task<DispatchTask> ReadTaskAsync(Task<Sexp> response) => HubWire.ReadTask(AsList(await response.ConfigureAwait(false)));

    private Task<Sexp> Request(CancellationToken cancellationToken, params (string, Sexp?)[] pairs)
    {
        foreach ((string key, Sexp? value) in pairs)
        {
            if (value is null) throw new ArgumentNullException(key, $"The {key} argument is required.");
        }
        return _client.RequestAsync(Sexp.Plist(pairs), cancellationToken);
    }

    /// <summary>An argument's value; null stays null so that <see cref="Request"/> names the missing argument.</summary>
    private static SexpString? Arg(string? value) => value is null ? null : Sexp.String(value);

    private static SexpList AsList(Sexp value) => HubWire.AsList(value, "a property list");
}
