namespace OrgDispatch.Queue;

/// <summary>Health and shape of a dispatch file, from <see cref="DispatchQueue.GetStatusAsync"/>.</summary>
public sealed record DispatchStatus
{
    /// <summary>Where the file lives (the store's description).</summary>
    public required string Location { get; init; }

    /// <summary>Whether the file could be read.</summary>
    public bool Reachable { get; init; }

    /// <summary>Why it could not, when <see cref="Reachable"/> is false.</summary>
    public string? Error { get; init; }

    /// <summary>Number of tasks in each state (every state present, zero included).</summary>
    public IReadOnlyDictionary<TaskState, int> Counts { get; init; } = new Dictionary<TaskState, int>();

    /// <summary>Claims whose lease has run out; the next change to the queue returns them.</summary>
    public IReadOnlyList<DispatchTask> StaleClaims { get; init; } = [];

    /// <summary>What is wrong in the file: duplicate or missing ids, unknown or cyclic dependencies,
    /// undeclared keywords, unreadable values.</summary>
    public IReadOnlyList<DispatchProblem> Problems { get; init; } = [];

    /// <summary>The last entries under the activity headline, oldest first.</summary>
    public IReadOnlyList<ActivityEntry> RecentActivity { get; init; } = [];
}

/// <summary>Something in the file a person should fix.</summary>
/// <param name="Line">1-based line of the headline concerned, or 0 for the whole file.</param>
/// <param name="TaskId">The task concerned, if it has an id.</param>
/// <param name="Kind">A stable, machine-readable name: <c>duplicate-id</c>, <c>missing-id</c>,
/// <c>unknown-dependency</c>, <c>dependency-cycle</c>, <c>dead-dependency</c>, <c>undeclared-keywords</c>,
/// <c>bad-value</c>, <c>claim-without-holder</c>.</param>
/// <param name="Message">A sentence for people.</param>
public sealed record DispatchProblem(int Line, string? TaskId, string Kind, string Message);

/// <summary>One entry under the activity headline: <c>- [2026-11-21 Sat 10:31] timmy: message</c>.</summary>
/// <param name="Timestamp">The timestamp's text without brackets, or null if the item has none.</param>
/// <param name="Agent">Who wrote it, or null.</param>
/// <param name="Message">The rest of the item.</param>
/// <param name="Line">1-based line number.</param>
public sealed record ActivityEntry(string? Timestamp, string? Agent, string Message, int Line);
