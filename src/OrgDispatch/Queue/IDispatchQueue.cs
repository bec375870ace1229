namespace OrgDispatch.Queue;

/// <summary>
/// The task queue as agents use it, whatever carries it: <see cref="DispatchQueue"/> works on a
/// dispatch file through an <see cref="IDispatchStore"/>; <c>HubDispatchQueue</c>
/// asks an OrgDispatch hub over TCP. Code written against this interface runs on either.
/// </summary>
/// <remarks>The members, their results and their exceptions are those documented on
/// <see cref="DispatchQueue"/>; over a hub, a connection that fails raises
/// <see cref="DispatchStoreException"/> like any unreachable store.</remarks>
public interface IDispatchQueue
{
    /// <summary>Where the tasks live, for messages: a file path, or the hub's address.</summary>
    string Location { get; }

    /// <inheritdoc cref="DispatchQueue.GetTasksAsync"/>
    Task<IReadOnlyList<DispatchTask>> GetTasksAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc cref="DispatchQueue.GetTaskAsync"/>
    Task<DispatchTask> GetTaskAsync(string id, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="DispatchQueue.PollAsync"/>
    Task<IReadOnlyList<DispatchTask>> PollAsync(string agent, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="DispatchQueue.NextAsync"/>
    Task<DispatchTask?> NextAsync(string agent, TimeSpan? lease = null, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="DispatchQueue.ClaimAsync"/>
    Task<ClaimResult> ClaimAsync(string id, string agent, TimeSpan? lease = null, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="DispatchQueue.HeartbeatAsync"/>
    Task<DispatchTask> HeartbeatAsync(string id, string agent, TimeSpan? lease = null, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="DispatchQueue.ReleaseAsync"/>
    Task<DispatchTask> ReleaseAsync(string id, string agent, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="DispatchQueue.DoneAsync"/>
    Task<DispatchTask> DoneAsync(string id, string agent, string result, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="DispatchQueue.FailAsync"/>
    Task<DispatchTask> FailAsync(string id, string agent, string reason, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="DispatchQueue.SkipAsync"/>
    Task<DispatchTask> SkipAsync(string id, string agent, string? reason = null, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="DispatchQueue.AddAsync"/>
    Task<DispatchTask> AddAsync(NewTask task, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="DispatchQueue.AppendAsync"/>
    Task<ActivityEntry> AppendAsync(string agent, string message, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="DispatchQueue.GetStatusAsync"/>
    Task<DispatchStatus> GetStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>Every change this queue makes from now on, as it is stored, until
    /// <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="cancellationToken">Ends the stream: the pending <c>MoveNextAsync</c> throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>Each change once, after it is stored; two changes completing at the same moment may be
    /// reported in either order. Watching starts when enumeration does (the first <c>MoveNextAsync</c>).</returns>
    /// <remarks>A <see cref="DispatchQueue"/> reports the changes made through it (in this process); a
    /// <c>HubDispatchQueue</c> reports every change the hub makes, for every client, and
    /// resubscribes after a reconnect. Each watcher has its own buffer
    /// (<see cref="DispatchOptions.WatchBufferSize"/>, <c>HubClientOptions.WatchBufferSize</c>); one that
    /// falls that far behind ends with <see cref="DispatchEventsLostException"/>.</remarks>
    IAsyncEnumerable<DispatchEvent> WatchAsync(CancellationToken cancellationToken = default);
}

/// <summary>What kind of change a <see cref="DispatchEvent"/> reports.</summary>
public enum DispatchEventKind
{
    /// <summary>An agent claimed a task.</summary>
    Claimed,
    /// <summary>The holder renewed its lease.</summary>
    Renewed,
    /// <summary>The holder gave the task back.</summary>
    Released,
    /// <summary>The holder finished the task.</summary>
    Done,
    /// <summary>The holder reported failure; the task's state says whether it will be retried.</summary>
    Failed,
    /// <summary>A pending task was skipped.</summary>
    Skipped,
    /// <summary>A claim's lease ran out and the queue took the task back.</summary>
    Expired,
    /// <summary>A task was added.</summary>
    Added,
    /// <summary>An entry was appended to the activity log.</summary>
    Appended,
}

/// <summary>A change the queue made, reported after it is stored.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="TaskId">The task, or null for <see cref="DispatchEventKind.Appended"/>.</param>
/// <param name="Agent">The agent that made the change, or null for an expiry.</param>
/// <param name="Task">The task as it is after the change; null for an expiry and an append.</param>
/// <param name="Activity">The entry written, for <see cref="DispatchEventKind.Appended"/>.</param>
/// <param name="Note">The result or reason given, if any.</param>
public sealed record DispatchEvent(DispatchEventKind Kind, string? TaskId, string? Agent, DispatchTask? Task = null,
    ActivityEntry? Activity = null, string? Note = null);
