using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrgDispatch.Document;
using OrgDispatch.Syntax;

namespace OrgDispatch.Queue;

/// <summary>
/// The task queue over a dispatch file: poll, claim, heartbeat, release, done, fail, skip, add,
/// append and status. Every change is one transaction of the <see cref="IDispatchStore"/>, checked
/// against one transition table (docs/dispatch-format.md), and logged in the file the way Org logs it.
/// </summary>
/// <remarks>
/// Thread-safe: the store serialises transactions, so one queue may serve many callers and many
/// queues (in many processes) may share one file. Before each change, claims whose lease has run
/// out are returned to PENDING (or FAILED when out of attempts) with a LOGBOOK note.
/// </remarks>
public sealed partial class DispatchQueue : IDispatchQueue
{
    private readonly IDispatchStore _store;
    private readonly DispatchOptions _options;
    private readonly OrgSyntaxOptions _syntax;
    private readonly ILogger _logger;
    private readonly DispatchEventFanOut _events;

    /// <summary>Creates a queue over <paramref name="store"/>.</summary>
    /// <param name="store">Where the dispatch file lives. The queue does not own it.</param>
    /// <param name="options">Keywords, attempts, leases, clock; null for the defaults.</param>
    /// <param name="logger">Receives one line per change; null for none.</param>
    /// <exception cref="ArgumentException">The options are inconsistent (see <see cref="DispatchOptions"/>).</exception>
    public DispatchQueue(IDispatchStore store, DispatchOptions? options = null, ILogger<DispatchQueue>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _options = options ?? DispatchOptions.Default;
        _options.Validate();
        // A file without #+TODO still parses with the dispatch keywords; a file's own #+TODO wins, as in Org.
        _syntax = new OrgSyntaxOptions { TodoKeywords = _options.Keywords.ToKeywordSet() };
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _events = new DispatchEventFanOut(_options.WatchBufferSize);
    }

    /// <summary>The options in use.</summary>
    public DispatchOptions Options => _options;

    /// <summary>The store the queue works on.</summary>
    public IDispatchStore Store => _store;

    /// <inheritdoc/>
    public string Location => _store.Location;

    /// <inheritdoc/>
    /// <remarks>Only changes made through this queue are reported, in the order they completed;
    /// other queues and processes on the same file are not seen (serve the file through a hub to see
    /// them all). Publishing never waits for a watcher.</remarks>
    public IAsyncEnumerable<DispatchEvent> WatchAsync(CancellationToken cancellationToken = default) => _events.WatchAsync(cancellationToken);

    /// <summary>Whether any <see cref="WatchAsync"/> is open (for tests).</summary>
    internal bool HasWatchers => _events.HasWatchers;

    /// <summary>The text for a new, empty dispatch file: the <c>#+TODO:</c> line for the keywords,
    /// so Org reads them too, and the activity headline.</summary>
    internal static string NewFileText(DispatchOptions? options = null)
    {
        options ??= DispatchOptions.Default;
        options.Validate();
        return $"#+TITLE: Dispatch\n#+TODO: {options.Keywords.TodoLine}\n\n* {options.ActivityHeadline}\n";
    }

    /// <summary>Every task in the file, in file order (read only; expired leases are reported as they stand).</summary>
    public async Task<IReadOnlyList<DispatchTask>> GetTasksAsync(CancellationToken cancellationToken = default)
    {
        TaskTable table = TaskTable.For(await _store.ReadAsync(_syntax, cancellationToken).ConfigureAwait(false), _options);
        return table.Entries.Select(table.Read).ToList();
    }

    /// <summary>One task by id (read only).</summary>
    /// <exception cref="TaskNotFoundException">No task has the id.</exception>
    public async Task<DispatchTask> GetTaskAsync(string id, CancellationToken cancellationToken = default)
    {
        CheckId(id);
        TaskTable table = TaskTable.For(await _store.ReadAsync(_syntax, cancellationToken).ConfigureAwait(false), _options);
        return table.Read(table.Find(id));
    }

    /// <summary>The tasks <paramref name="agent"/> could claim now: PENDING, for this agent (see
    /// <see cref="DispatchTask.IsFor"/>), with an id, not waiting for unfinished tasks. Ordered by
    /// priority (A first; none counts as B, Org's default), then deadline (earliest first, none
    /// last), then file order.</summary>
    public Task<IReadOnlyList<DispatchTask>> PollAsync(string agent, CancellationToken cancellationToken = default)
    {
        CheckAgent(agent);
        return RunAsync<IReadOnlyList<DispatchTask>>(s => Ready(s.Table, agent), cancellationToken);
    }

    /// <summary>Claims the first task <see cref="PollAsync"/> would return, in one step.</summary>
    /// <param name="agent">The claiming agent.</param>
    /// <param name="lease">How long the claim lasts without a heartbeat; null for <see cref="DispatchOptions.DefaultLease"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The claimed task, or null when nothing is ready for the agent.</returns>
    public Task<DispatchTask?> NextAsync(string agent, TimeSpan? lease = null, CancellationToken cancellationToken = default)
    {
        CheckAgent(agent);
        CheckLease(lease);
        return Report(RunAsync(s =>
        {
            foreach (DispatchTask task in Ready(s.Table, agent, limit: 1))
            {
                return s.Claim(task.Id, agent, lease ?? _options.DefaultLease).Task;
            }
            return null;
        }, cancellationToken), t => t is null ? null : new DispatchEvent(DispatchEventKind.Claimed, t.Id, agent, t));
    }

    /// <summary>Claims a task: PENDING → IN_PROGRESS. Exactly one of any number of racing agents wins.</summary>
    /// <param name="id">The task's id.</param>
    /// <param name="agent">The claiming agent.</param>
    /// <param name="lease">How long the claim lasts without a heartbeat; null for <see cref="DispatchOptions.DefaultLease"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see cref="ClaimOutcome.Claimed"/>; <see cref="ClaimOutcome.AlreadyYours"/> when the
    /// agent holds it already (nothing changes); <see cref="ClaimOutcome.ClaimedByOther"/> naming the holder.</returns>
    /// <exception cref="TaskNotFoundException">No task has the id.</exception>
    /// <exception cref="TaskBlockedException">The task waits for tasks that are not done.</exception>
    /// <exception cref="IllegalTransitionException">The task is done, skipped or failed.</exception>
    public Task<ClaimResult> ClaimAsync(string id, string agent, TimeSpan? lease = null, CancellationToken cancellationToken = default)
    {
        CheckId(id);
        CheckAgent(agent);
        CheckLease(lease);
        return Report(RunAsync(s => s.Claim(id, agent, lease ?? _options.DefaultLease), cancellationToken),
            r => r.Outcome == ClaimOutcome.Claimed ? new DispatchEvent(DispatchEventKind.Claimed, id, agent, r.Task) : null);
    }

    /// <summary>Renews the holder's lease to now plus <paramref name="lease"/> (or
    /// <see cref="DispatchOptions.DefaultLease"/>). Without either, and on a claim without a lease, changes nothing.</summary>
    /// <exception cref="TaskNotFoundException">No task has the id.</exception>
    /// <exception cref="WrongHolderException">Another agent holds the task.</exception>
    /// <exception cref="IllegalTransitionException">The task is not in progress (e.g. its lease expired and it went back to PENDING).</exception>
    /// <exception cref="ArgumentException">The claim has a lease but no lease length is given.</exception>
    public Task<DispatchTask> HeartbeatAsync(string id, string agent, TimeSpan? lease = null, CancellationToken cancellationToken = default)
    {
        CheckId(id);
        CheckAgent(agent);
        CheckLease(lease);
        return Report(RunAsync(s => s.Heartbeat(id, agent, lease ?? _options.DefaultLease), cancellationToken),
            t => new DispatchEvent(DispatchEventKind.Renewed, id, agent, t));
    }

    /// <summary>The holder gives the task back: IN_PROGRESS → PENDING.</summary>
    /// <exception cref="TaskNotFoundException">No task has the id.</exception>
    /// <exception cref="WrongHolderException">Another agent holds the task.</exception>
    /// <exception cref="IllegalTransitionException">The task is not in progress.</exception>
    public Task<DispatchTask> ReleaseAsync(string id, string agent, CancellationToken cancellationToken = default)
    {
        CheckId(id);
        CheckAgent(agent);
        return FinishAsync(id, agent, TaskMove.Release, "released", DispatchEventKind.Released, cancellationToken);
    }

    /// <summary>The holder finishes the task: IN_PROGRESS → DONE, with <c>CLOSED:</c> and the result as the state note.</summary>
    /// <exception cref="TaskNotFoundException">No task has the id.</exception>
    /// <exception cref="WrongHolderException">Another agent holds the task.</exception>
    /// <exception cref="IllegalTransitionException">The task is not in progress.</exception>
    public Task<DispatchTask> DoneAsync(string id, string agent, string result, CancellationToken cancellationToken = default)
    {
        CheckId(id);
        CheckAgent(agent);
        ArgumentNullException.ThrowIfNull(result);
        return FinishAsync(id, agent, TaskMove.Done, result.Length == 0 ? "done" : result, DispatchEventKind.Done, cancellationToken);
    }

    /// <summary>The holder reports failure: IN_PROGRESS → PENDING for a retry, or → FAILED when the
    /// task has been claimed <see cref="DispatchOptions.MaxAttempts"/> times. The reason is the state note.</summary>
    /// <exception cref="TaskNotFoundException">No task has the id.</exception>
    /// <exception cref="WrongHolderException">Another agent holds the task.</exception>
    /// <exception cref="IllegalTransitionException">The task is not in progress.</exception>
    public Task<DispatchTask> FailAsync(string id, string agent, string reason, CancellationToken cancellationToken = default)
    {
        CheckId(id);
        CheckAgent(agent);
        ArgumentNullException.ThrowIfNull(reason);
        return FinishAsync(id, agent, TaskMove.Fail, reason.Length == 0 ? "failed" : reason, DispatchEventKind.Failed, cancellationToken);
    }

    /// <summary>Cancels a pending task: PENDING → SKIPPED, with <c>CLOSED:</c>.</summary>
    /// <exception cref="TaskNotFoundException">No task has the id.</exception>
    /// <exception cref="IllegalTransitionException">The task is not pending.</exception>
    public Task<DispatchTask> SkipAsync(string id, string agent, string? reason = null, CancellationToken cancellationToken = default)
    {
        CheckId(id);
        CheckAgent(agent);
        return FinishAsync(id, agent, TaskMove.Skip, string.IsNullOrEmpty(reason) ? "skipped" : reason, DispatchEventKind.Skipped, cancellationToken);
    }

    /// <summary>Adds a PENDING task with the next free id (<see cref="DispatchOptions.IdPrefix"/> plus a
    /// number), before the activity headline when that is the last top-level headline, else at the end.</summary>
    /// <exception cref="TaskNotFoundException">A <see cref="NewTask.BlockedBy"/> id names no task.</exception>
    /// <exception cref="ArgumentException">The title is empty or spans lines, an agent is not a valid Org tag, or the priority is not A–Z or 0–9.</exception>
    public Task<DispatchTask> AddAsync(NewTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        TaskWriter.CheckNewTask(task);
        return Report(RunAsync(s => s.Add(task), cancellationToken), t => new DispatchEvent(DispatchEventKind.Added, t.Id, null, t));
    }

    /// <summary>Appends <c>- [timestamp] agent: message</c> under the activity headline (created at the
    /// end of the file when missing). Line breaks in the message become spaces.</summary>
    /// <returns>The entry as written.</returns>
    public Task<ActivityEntry> AppendAsync(string agent, string message, CancellationToken cancellationToken = default)
    {
        CheckAgent(agent);
        ArgumentNullException.ThrowIfNull(message);
        return Report(RunAsync(s => s.Append(agent, message), cancellationToken),
            e => new DispatchEvent(DispatchEventKind.Appended, null, agent, Activity: e, Note: e.Message));
    }

    /// <summary>Reads the file and reports its health. Never throws for an unreachable file: that is
    /// <see cref="DispatchStatus.Reachable"/> false with the reason. Read only.</summary>
    public async Task<DispatchStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        OrgDocument doc;
        try
        {
            doc = await _store.ReadAsync(_syntax, cancellationToken).ConfigureAwait(false);
        }
        catch (DispatchStoreException e)
        {
            return new DispatchStatus { Location = _store.Location, Reachable = false, Error = e.Message };
        }
        return StatusReport.Build(_store.Location, TaskTable.For(doc, _options), _options.TimeProvider.GetUtcNow());
    }

    /// <summary>The ready tasks for <paramref name="agent"/>, best first; only the first
    /// <paramref name="limit"/> are read in full.</summary>
    private static List<DispatchTask> Ready(TaskTable table, string agent, int limit = int.MaxValue)
    {
        var ready = new List<(TaskEntry Entry, char Priority, DateTime Deadline)>();
        foreach (TaskEntry e in table.Entries)
        {
            if (e.State != TaskState.Pending || e.Id is null || !table.IsFor(e, agent) || table.WaitingFor(e).Count > 0) continue;
            ready.Add((e, e.Priority ?? 'B', table.Deadline(e) ?? DateTime.MaxValue));
        }
        // OrderBy is stable, so file order breaks the remaining ties.
        return ready.OrderBy(r => r.Priority).ThenBy(r => r.Deadline).Take(limit).Select(r => table.Read(r.Entry)).ToList();
    }

    /// <summary>Runs one decision as a store transaction. Expired leases are returned first, in a
    /// transaction of their own, so the decision always sees the file as it stands after them.</summary>
    private async Task<T> RunAsync<T>(Func<TaskWriter, T> decide, CancellationToken cancellationToken)
    {
        for (int round = 0; ; round++)
        {
            bool expiredOnly = false;
            List<string>? expired = null;
            T result = await _store.UpdateAsync(_syntax, doc =>
            {
                var writer = new TaskWriter(TaskTable.For(doc, _options), _options.TimeProvider.GetUtcNow());
                // Bounded: a lease that lapses while we retry is left to the next operation.
                expired = round < 2 ? writer.ExpireLeases() : [];
                expiredOnly = expired.Count > 0;
                T r = expiredOnly ? default! : decide(writer);
                return new DispatchChange<T>(writer.Editor.ComputeEdits(), r) { After = writer.Applied };
            }, cancellationToken).ConfigureAwait(false);
            foreach (string id in expired ?? [])
            {
                Log.LeaseExpired(_logger, id);
                _events.Publish(new DispatchEvent(DispatchEventKind.Expired, id, null));
            }
            if (!expiredOnly) return result;
        }
    }

    /// <summary>Release, done, fail or skip: one move with its note, reported as <paramref name="kind"/>.
    /// A release's note is only for the LOGBOOK; the event carries the notes agents gave.</summary>
    private Task<DispatchTask> FinishAsync(string id, string agent, TaskMove move, string note, DispatchEventKind kind, CancellationToken cancellationToken) =>
        Report(RunAsync(s => s.Finish(id, agent, move, note), cancellationToken),
            t => new DispatchEvent(kind, id, agent, t, Note: move == TaskMove.Release ? null : note));

    /// <summary>Reports a stored change to the watchers, when there is one to report.</summary>
    private async Task<T> Report<T>(Task<T> change, Func<T, DispatchEvent?> describe)
    {
        T result = await change.ConfigureAwait(false);
        if (_events.HasWatchers && describe(result) is { } e) _events.Publish(e);
        return result;
    }

    private static void CheckId(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
    }

    private static void CheckAgent(string agent)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(agent);
        if (!TaskWriter.IsTag(agent)) throw new ArgumentException($"An agent name must be a valid Org tag (letters, digits, _@#%), not \"{agent}\".", nameof(agent));
    }

    private static void CheckLease(TimeSpan? lease)
    {
        if (lease is { } l && l <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lease), l, "A lease must be positive.");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Lease on {TaskId} expired; the task was returned")]
        public static partial void LeaseExpired(ILogger logger, string taskId);
    }
}
