namespace OrgDispatch.Queue;

/// <summary>An error with a stable, machine-readable code: the code every door onto the queue
/// (the hub's wire, the CLI's JSON) reports for it. docs/protocol.md lists them.</summary>
public interface IDispatchError
{
    /// <summary>The code, snake_case, e.g. <c>not_found</c> or <c>daemon_not_running</c>.</summary>
    string Code { get; }
}

/// <summary>The codes of the queue's own errors. Transports add their own (e.g. the Emacs transport's
/// <c>socket_missing</c>), carried by <see cref="DispatchStoreException.Code"/>.</summary>
public static class DispatchErrorCodes
{
    /// <summary>No task has the id (<see cref="TaskNotFoundException"/>).</summary>
    public const string NotFound = "not_found";
    /// <summary>Another agent holds the task (<see cref="WrongHolderException"/>).</summary>
    public const string WrongHolder = "wrong_holder";
    /// <summary>The task waits for tasks that are not done (<see cref="TaskBlockedException"/>).</summary>
    public const string Blocked = "blocked";
    /// <summary>The move is not allowed from the task's state (<see cref="IllegalTransitionException"/>).</summary>
    public const string IllegalTransition = "illegal_transition";
    /// <summary>The store could not be read or written (<see cref="DispatchStoreException"/>).</summary>
    public const string Transport = "transport";
    /// <summary>The request itself is wrong: a missing or ill-formed argument.</summary>
    public const string BadRequest = "bad_request";
    /// <summary>Anything else: a bug, reported rather than hidden.</summary>
    public const string Internal = "internal";

    /// <summary>The code for <paramref name="error"/>: its own when it has one, <see cref="BadRequest"/>
    /// for argument and format errors, else <see cref="Internal"/>.</summary>
    public static string Of(Exception error) => error switch
    {
        IDispatchError e => e.Code,
        ArgumentException or FormatException => BadRequest,
        _ => Internal,
    };
}
