namespace OrgDispatch.Queue;

/// <summary>One finding of a setup check (<c>org-dispatch doctor</c>).</summary>
/// <param name="Name">What was checked: <c>file</c>, <c>read</c>, <c>write</c>, <c>lock</c>, <c>emacs</c>, <c>hub</c>,
/// <c>tasks</c>, or a problem's kind (<c>duplicate-id</c>, <c>undeclared-keywords</c>, …).</param>
/// <param name="Outcome">Whether it passed.</param>
/// <param name="Detail">What was found, for people.</param>
/// <param name="Fix">What to do about it, when it did not pass.</param>
public sealed record DispatchCheck(string Name, DispatchCheckOutcome Outcome, string Detail, string? Fix = null);

/// <summary>How a <see cref="DispatchCheck"/> came out.</summary>
public enum DispatchCheckOutcome
{
    /// <summary>Works.</summary>
    Ok,

    /// <summary>Works now, but something may bite (a lock held for long, a claim past its lease).</summary>
    Warning,

    /// <summary>Does not work, or the file has a problem a person should fix.</summary>
    Failed,
}
