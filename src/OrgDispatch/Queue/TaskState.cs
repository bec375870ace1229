namespace OrgDispatch.Queue;

/// <summary>Where a task stands. Each state is written as a TODO keyword (see <see cref="DispatchKeywords"/>).</summary>
public enum TaskState
{
    /// <summary>Waiting for an agent to claim it.</summary>
    Pending,
    /// <summary>Claimed by an agent, which holds it until done, fail or release (or until its lease expires).</summary>
    InProgress,
    /// <summary>Finished; terminal.</summary>
    Done,
    /// <summary>Cancelled before anyone started it; terminal.</summary>
    Skipped,
    /// <summary>Failed on its last allowed attempt; terminal.</summary>
    Failed,
}

/// <summary>A move in the state machine. The transition table in docs/dispatch-format.md says where each one is allowed.</summary>
public enum TaskMove
{
    /// <summary>An agent takes a pending task.</summary>
    Claim,
    /// <summary>The holder renews its lease.</summary>
    Heartbeat,
    /// <summary>The holder gives the task back.</summary>
    Release,
    /// <summary>The holder finishes the task.</summary>
    Done,
    /// <summary>The holder reports failure; the task is retried or, out of attempts, fails for good.</summary>
    Fail,
    /// <summary>A pending task is cancelled.</summary>
    Skip,
    /// <summary>The holder's lease ran out (done by the queue, not by an agent); handled like <see cref="Fail"/>.</summary>
    Expire,
}

/// <summary>Extension helpers for <see cref="TaskState"/>.</summary>
public static class TaskStateExtensions
{
    /// <summary>Whether no move leads out of <paramref name="state"/>.</summary>
    public static bool IsTerminal(this TaskState state) => state is TaskState.Done or TaskState.Skipped or TaskState.Failed;

    /// <summary>The lower-case, underscore name used in JSON output and docs: <c>pending</c>, <c>in_progress</c>, ….</summary>
    public static string ToSnakeCase(this TaskState state) => state switch
    {
        TaskState.Pending => "pending",
        TaskState.InProgress => "in_progress",
        TaskState.Done => "done",
        TaskState.Skipped => "skipped",
        TaskState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    /// <summary>The lower-case name of a move, as the CLI spells it.</summary>
    public static string ToVerb(this TaskMove move) => move.ToString().ToLowerInvariant();

    /// <summary>The outcome's name on the wire and in JSON: <c>claimed</c>, <c>already_yours</c>, <c>claimed_by_other</c>.</summary>
    public static string ToSnakeCase(this ClaimOutcome outcome) => outcome switch
    {
        ClaimOutcome.Claimed => "claimed",
        ClaimOutcome.AlreadyYours => "already_yours",
        ClaimOutcome.ClaimedByOther => "claimed_by_other",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    /// <summary>The event's name on the wire and in JSON: <c>claimed</c>, <c>renewed</c>, … <c>appended</c>.</summary>
    public static string ToSnakeCase(this DispatchEventKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>The move as it reads in a sentence ("Cannot finish TASK-1"): the verb, except where the
    /// move's name is not one (done, heartbeat, expire).</summary>
    internal static string ToPhrase(this TaskMove move) => move switch
    {
        TaskMove.Done => "finish",
        TaskMove.Heartbeat => "renew the lease on",
        TaskMove.Expire => "expire the claim on",
        _ => move.ToVerb(),
    };
}
