using OrgDispatch.Lisp;
using OrgDispatch.Queue;

namespace OrgDispatch.Hub;

/// <summary>
/// The queue through an OrgDispatch hub (the hub transport): the same calls, results and exceptions
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
        HubWire.ReadTasks(await Request(HubOperations.Tasks, [], cancellationToken).ConfigureAwait(false));

    /// <inheritdoc/>
    public async Task<DispatchTask> GetTaskAsync(string id, CancellationToken cancellationToken = default) =>
        HubWire.ReadTask(AsList(await Request(HubOperations.TaskById, [("task", Arg(id))], cancellationToken).ConfigureAwait(false)));

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DispatchTask>> PollAsync(string agent, CancellationToken cancellationToken = default) =>
        HubWire.ReadTasks(await Request(HubOperations.Poll, [("agent", Arg(agent))], cancellationToken).ConfigureAwait(false));

    /// <inheritdoc/>
    public async Task<DispatchTask?> NextAsync(string agent, TimeSpan? lease = null, CancellationToken cancellationToken = default)
    {
        Sexp result = await Request(HubOperations.Next, [("agent", Arg(agent)), ("lease", HubWire.Lease(lease))], cancellationToken).ConfigureAwait(false);
        return result.IsNil ? null : HubWire.ReadTask(AsList(result));
    }

    /// <inheritdoc/>
    public async Task<ClaimResult> ClaimAsync(string id, string agent, TimeSpan? lease = null, CancellationToken cancellationToken = default) =>
        HubWire.ReadClaim(AsList(await Request(HubOperations.Claim, [("task", Arg(id)), ("agent", Arg(agent)), ("lease", HubWire.Lease(lease))], cancellationToken).ConfigureAwait(false)));

    /// <inheritdoc/>
    public Task<DispatchTask> HeartbeatAsync(string id, string agent, TimeSpan? lease = null, CancellationToken cancellationToken = default) =>
        TaskRequest(HubOperations.Heartbeat, [("task", Arg(id)), ("agent", Arg(agent)), ("lease", HubWire.Lease(lease))], cancellationToken);

    /// <inheritdoc/>
    public Task<DispatchTask> ReleaseAsync(string id, string agent, CancellationToken cancellationToken = default) =>
        TaskRequest(HubOperations.Release, [("task", Arg(id)), ("agent", Arg(agent))], cancellationToken);

    /// <inheritdoc/>
    public Task<DispatchTask> DoneAsync(string id, string agent, string result, CancellationToken cancellationToken = default) =>
        TaskRequest(HubOperations.Done, [("task", Arg(id)), ("agent", Arg(agent)), ("result", Arg(result))], cancellationToken);

    /// <inheritdoc/>
    public Task<DispatchTask> FailAsync(string id, string agent, string reason, CancellationToken cancellationToken = default) =>
        TaskRequest(HubOperations.Fail, [("task", Arg(id)), ("agent", Arg(agent)), ("reason", Arg(reason))], cancellationToken);

    /// <inheritdoc/>
    public Task<DispatchTask> SkipAsync(string id, string agent, string? reason = null, CancellationToken cancellationToken = default) =>
        TaskRequest(HubOperations.Skip, [("task", Arg(id)), ("agent", Arg(agent)), ("reason", Sexp.StringOrNil(reason))], cancellationToken);

    /// <inheritdoc/>
    public Task<DispatchTask> AddAsync(NewTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        return ReadTaskAsync(Request(HubOperations.Add, HubWire.NewTask(task), cancellationToken));
    }

    /// <inheritdoc/>
    public async Task<ActivityEntry> AppendAsync(string agent, string message, CancellationToken cancellationToken = default) =>
        HubWire.ReadActivity(AsList(await Request(HubOperations.Append, [("agent", Arg(agent)), ("message", Arg(message))], cancellationToken).ConfigureAwait(false)));

    /// <inheritdoc/>
    /// <remarks>An unreachable hub is reported as <see cref="DispatchStatus.Reachable"/> false, like an unreachable file.</remarks>
    public async Task<DispatchStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return HubWire.ReadStatus(AsList(await Request(HubOperations.Status, [], cancellationToken).ConfigureAwait(false)));
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
        Request(HubOperations.Eval, [("expr", Arg(expression))], cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Every change the hub makes, whoever asked for it; resubscribes after a reconnect
    /// (events during the gap are not replayed). The same stream as <see cref="HubClient.EventsAsync"/>.</remarks>
    public IAsyncEnumerable<DispatchEvent> WatchAsync(CancellationToken cancellationToken = default) => _client.EventsAsync(cancellationToken);

    /// <summary>Disposes the client if this queue owns it.</summary>
    public ValueTask DisposeAsync() => _ownsClient ? _client.DisposeAsync() : ValueTask.CompletedTask;

    private Task<DispatchTask> TaskRequest(HubOperation operation, (string, Sexp?)[] arguments, CancellationToken cancellationToken) =>
        ReadTaskAsync(Request(operation, arguments, cancellationToken));

    private static async Task<DispatchTask> ReadTaskAsync(Task<Sexp> response) => HubWire.ReadTask(AsList(await response.ConfigureAwait(false)));

    // Built from the operation's declaration, which checks the arguments (HubOperations).
    private Task<Sexp> Request(HubOperation operation, (string, Sexp?)[] arguments, CancellationToken cancellationToken) =>
        _client.RequestAsync(operation.Request(arguments), cancellationToken);

    /// <summary>An argument's value; null stays null so that the request names the missing argument.</summary>
    private static SexpString? Arg(string? value) => value is null ? null : Sexp.String(value);

    private static SexpList AsList(Sexp value) => HubWire.AsList(value, "a property list");
}
