namespace OrgDispatch.Queue;

/// <summary>
/// The one table of legal moves. Every change the queue makes is looked up here first; a move
/// that is not in the table is an <see cref="IllegalTransitionException"/>.
/// </summary>
/// <remarks>
/// <see cref="TaskMove.Fail"/> and <see cref="TaskMove.Expire"/> have two outcomes: back to
/// <see cref="TaskState.Pending"/> for a retry, or <see cref="TaskState.Failed"/> once the
/// task has been claimed <see cref="DispatchOptions.MaxAttempts"/> times.
/// </remarks>
internal static class TransitionTable
{
    private static readonly (TaskState From, TaskMove Move, TaskState To, TaskState? Exhausted)[] Rows =
    [
        (TaskState.Pending, TaskMove.Claim, TaskState.InProgress, null),
        (TaskState.Pending, TaskMove.Skip, TaskState.Skipped, null),
        (TaskState.InProgress, TaskMove.Heartbeat, TaskState.InProgress, null),
        (TaskState.InProgress, TaskMove.Release, TaskState.Pending, null),
        (TaskState.InProgress, TaskMove.Done, TaskState.Done, null),
        (TaskState.InProgress, TaskMove.Fail, TaskState.Pending, TaskState.Failed),
        (TaskState.InProgress, TaskMove.Expire, TaskState.Pending, TaskState.Failed),
    ];

    /// <summary>Every legal move as (from, move, to, to when out of attempts), for docs and tests.</summary>
    public static IReadOnlyList<(TaskState From, TaskMove Move, TaskState To, TaskState? WhenOutOfAttempts)> All => Rows;

    /// <summary>Where <paramref name="move"/> takes a task in <paramref name="from"/>, or null when the move is illegal there.</summary>
    /// <param name="from">The current state.</param>
    /// <param name="move">The attempted move.</param>
    /// <param name="outOfAttempts">Whether the task has used its last attempt (matters for fail and expire only).</param>
    public static TaskState? Target(TaskState from, TaskMove move, bool outOfAttempts = false)
    {
        foreach (var row in Rows)
        {
            if (row.From == from && row.Move == move) return outOfAttempts && row.Exhausted is { } e ? e : row.To;
        }
        return null;
    }

    /// <summary>Whether <paramref name="move"/> needs the agent that holds the claim.</summary>
    public static bool NeedsHolder(TaskMove move) => move is TaskMove.Heartbeat or TaskMove.Release or TaskMove.Done or TaskMove.Fail;
}
