using OrgDispatch.Syntax;

namespace OrgDispatch.Queue;

/// <summary>One task of the dispatch file: a headline whose TODO keyword is one of the dispatch keywords.</summary>
public sealed record DispatchTask
{
    /// <summary>The <c>:ID:</c> property.</summary>
    public required string Id { get; init; }

    /// <summary>The headline's title (without keyword, priority and tags).</summary>
    public required string Title { get; init; }

    /// <summary>The state, read from the TODO keyword.</summary>
    public required TaskState State { get; init; }

    /// <summary>The priority character (<c>A</c> in <c>[#A]</c>), or null.</summary>
    public char? Priority { get; init; }

    /// <summary>The agents the task is for: its tags with Org's inheritance (<c>#+FILETAGS:</c>,
    /// then the ancestors' tags, then its own), without repeats.</summary>
    public IReadOnlyList<string> Agents { get; init; } = [];

    /// <summary>The <c>DEADLINE:</c> timestamp, or null.</summary>
    public OrgTimestamp? Deadline { get; init; }

    /// <summary>The <c>SCHEDULED:</c> timestamp, or null.</summary>
    public OrgTimestamp? Scheduled { get; init; }

    /// <summary>The current claim; null unless <see cref="State"/> is <see cref="TaskState.InProgress"/>.</summary>
    public DispatchClaim? Claim { get; init; }

    /// <summary>How many times the task has been claimed (<c>:ATTEMPTS:</c>).</summary>
    public int Attempts { get; init; }

    /// <summary>Ids of the tasks this one waits for (<c>:BLOCKED_BY:</c>, separated by spaces or commas).</summary>
    public IReadOnlyList<string> BlockedBy { get; init; } = [];

    /// <summary>The section's text without the planning line, the property drawer and the LOGBOOK drawer, trimmed.</summary>
    public string Body { get; init; } = "";

    /// <summary>All properties of the drawer (names without regard to case; the last repeat wins).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>1-based line number of the headline when the task was read.</summary>
    public int LineNumber { get; init; }

    /// <summary>Whether <paramref name="agent"/> may take this task: a task with no tags is for
    /// everyone, a tagged one only for the agents its tags name.</summary>
    public bool IsFor(string agent) => Agents.Count == 0 || Agents.Contains(agent, StringComparer.Ordinal);

    /// <summary>Value equality, collections compared by content (properties without regard to order).</summary>
    public bool Equals(DispatchTask? other) =>
        other is not null
        && (Id, Title, State, Priority, Deadline, Scheduled, Claim, Attempts, Body, LineNumber)
            == (other.Id, other.Title, other.State, other.Priority, other.Deadline, other.Scheduled, other.Claim, other.Attempts, other.Body, other.LineNumber)
        && Agents.SequenceEqual(other.Agents)
        && BlockedBy.SequenceEqual(other.BlockedBy)
        && Properties.Count == other.Properties.Count
        && Properties.All(p => other.Properties.TryGetValue(p.Key, out string? v) && v == p.Value);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Id, State, Claim, Attempts, LineNumber);
}

/// <summary>Who holds a task, since when, and until when.</summary>
/// <param name="Agent">The holder (<c>:CLAIMED_BY:</c>).</param>
/// <param name="ClaimedAt">When it was claimed (<c>:CLAIMED_AT:</c>), or null if not recorded.</param>
/// <param name="LeaseExpires">When the claim lapses unless renewed (<c>:LEASE_EXPIRES:</c>), or null for no lease.</param>
public sealed record DispatchClaim(string Agent, DateTimeOffset? ClaimedAt, DateTimeOffset? LeaseExpires)
{
    /// <summary>Whether the lease has run out at <paramref name="now"/>.</summary>
    public bool IsExpired(DateTimeOffset now) => LeaseExpires is { } e && e <= now;
}

/// <summary>What a claim came to.</summary>
public enum ClaimOutcome
{
    /// <summary>This call took the task.</summary>
    Claimed,
    /// <summary>The caller already held it; nothing changed (claims are safe to retry).</summary>
    AlreadyYours,
    /// <summary>Another agent holds it; see <see cref="ClaimResult.Holder"/>.</summary>
    ClaimedByOther,
}

/// <summary>The result of <see cref="DispatchQueue.ClaimAsync"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Task">The task as it is after the call.</param>
public sealed record ClaimResult(ClaimOutcome Outcome, DispatchTask Task)
{
    /// <summary>Whether the caller holds the task now.</summary>
    public bool Succeeded => Outcome != ClaimOutcome.ClaimedByOther;

    /// <summary>The agent that holds the task.</summary>
    public string? Holder => Task.Claim?.Agent;
}

/// <summary>A task to add with <see cref="DispatchQueue.AddAsync"/>.</summary>
public sealed record NewTask
{
    /// <summary>The one-line title.</summary>
    public required string Title { get; init; }

    /// <summary>The agents it is for (written as tags); empty for any agent.</summary>
    public IReadOnlyList<string> Agents { get; init; } = [];

    /// <summary>The priority character (A–Z or 0–9), or null.</summary>
    public char? Priority { get; init; }

    /// <summary>The deadline, or null.</summary>
    public DateOnly? Deadline { get; init; }

    /// <summary>Ids of the tasks it waits for; each must exist.</summary>
    public IReadOnlyList<string> BlockedBy { get; init; } = [];

    /// <summary>Text for the body, or null.</summary>
    public string? Body { get; init; }
}
