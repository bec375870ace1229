namespace OrgDispatch.Queue;

/// <summary>The base of the queue's errors about tasks. Nothing was changed when one is thrown.</summary>
public abstract class DispatchException : Exception, IDispatchError
{
    /// <summary>Creates the exception.</summary>
    protected DispatchException(string code, string? taskId, string message, Exception? inner = null) : base(message, inner)
    {
        Code = code;
        TaskId = taskId;
    }

    /// <summary>The task the operation was about, if any.</summary>
    public string? TaskId { get; }

    /// <inheritdoc/>
    public string Code { get; }
}

/// <summary>No task has the id.</summary>
public sealed class TaskNotFoundException(string taskId)
    : DispatchException(DispatchErrorCodes.NotFound, taskId, $"No task has the id {taskId}.");

/// <summary>The move is not allowed from the task's state, or the caller does not hold the task.
/// Base of the conflicts an agent can expect in a race.</summary>
public class DispatchConflictException : DispatchException
{
    /// <summary>Creates the exception.</summary>
    public DispatchConflictException(string taskId, TaskState state, TaskMove move, string message)
        : this(DispatchErrorCodes.IllegalTransition, taskId, state, move, message) { }

    /// <summary>Creates the exception with a more specific code.</summary>
    protected DispatchConflictException(string code, string taskId, TaskState state, TaskMove move, string message) : base(code, taskId, message)
    {
        State = state;
        Move = move;
    }

    /// <summary>The task's state when the move was attempted.</summary>
    public TaskState State { get; }

    /// <summary>The attempted move.</summary>
    public TaskMove Move { get; }
}

/// <summary>The transition table has no such move from the task's state.</summary>
public sealed class IllegalTransitionException(string taskId, TaskState state, TaskMove move)
    : DispatchConflictException(taskId, state, move, $"Cannot {move.ToPhrase()} {taskId}: it is {state.ToSnakeCase()}, and {move.ToVerb()} is not allowed from {state.ToSnakeCase()}.");

/// <summary>The caller tried a holder's move on a task another agent holds.</summary>
public sealed class WrongHolderException(string taskId, TaskMove move, string agent, string? holder)
    : DispatchConflictException(DispatchErrorCodes.WrongHolder, taskId, TaskState.InProgress, move,
        $"Cannot {move.ToPhrase()} {taskId} as {agent}: it is held by {holder ?? "nobody (no :CLAIMED_BY:)"}.")
{
    /// <summary>The agent that made the call.</summary>
    public string Agent { get; } = agent;

    /// <summary>The agent that holds the task, or null if the claim names nobody.</summary>
    public string? Holder { get; } = holder;
}

/// <summary>The task waits for tasks that are not done.</summary>
public sealed class TaskBlockedException(string taskId, IReadOnlyList<string> waitingFor)
    : DispatchConflictException(DispatchErrorCodes.Blocked, taskId, TaskState.Pending, TaskMove.Claim, $"Cannot claim {taskId}: it waits for {string.Join(", ", waitingFor)}.")
{
    /// <summary>The ids it still waits for (not done, or unknown).</summary>
    public IReadOnlyList<string> WaitingFor { get; } = waitingFor;
}

/// <summary>The dispatch file could not be read or written: missing, unreadable, locked too long,
/// or a transport that failed. The queue changed nothing.</summary>
/// <param name="message">What failed and what to do about it.</param>
/// <param name="inner">The underlying error, if any.</param>
/// <param name="code">The transport's code for it (e.g. <c>daemon_not_running</c>); <see cref="DispatchErrorCodes.Transport"/> by default.</param>
public sealed class DispatchStoreException(string message, Exception? inner = null, string code = DispatchErrorCodes.Transport)
    : Exception(message, inner), IDispatchError
{
    /// <inheritdoc/>
    public string Code { get; } = code;
}
