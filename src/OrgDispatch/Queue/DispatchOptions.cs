using OrgDispatch.Document;

namespace OrgDispatch.Queue;

/// <summary>How a <see cref="DispatchQueue"/> reads and writes the dispatch file. The defaults suit
/// the format in docs/dispatch-format.md.</summary>
public sealed record DispatchOptions
{
    /// <summary>The defaults.</summary>
    public static DispatchOptions Default { get; } = new();

    /// <summary>The keywords for each state. Default PENDING, IN_PROGRESS, DONE, SKIPPED, FAILED.</summary>
    public DispatchKeywords Keywords { get; init; } = DispatchKeywords.Default;

    /// <summary>How many claims a task gets: a fail (or expired lease) on the last one makes it
    /// <see cref="TaskState.Failed"/> instead of <see cref="TaskState.Pending"/>. Default 3.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The lease a claim gets when the caller names none, or null for claims that never
    /// expire. Default null.</summary>
    public TimeSpan? DefaultLease { get; init; }

    /// <summary>Title of the top-level headline that <see cref="DispatchQueue.AppendAsync"/> writes
    /// under (created at the end of the file when missing). Default <c>Activity</c>.</summary>
    public string ActivityHeadline { get; init; } = "Activity";

    /// <summary>Prefix of the ids <see cref="DispatchQueue.AddAsync"/> makes: prefix plus the next
    /// free number, at least three digits. Default <c>TASK-</c>.</summary>
    public string IdPrefix { get; init; } = "TASK-";

    /// <summary>How many of the last activity entries a status carries. Default 5.</summary>
    public int RecentActivityCount { get; init; } = 5;

    /// <summary>Indentation of new planning lines and drawers. Default follows the file.</summary>
    public MetadataIndentation Indentation { get; init; } = MetadataIndentation.Auto;

    /// <summary>The clock; replace it in tests. LOGBOOK notes use its local time, as Org does;
    /// claim times and leases are written in UTC.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How many unread events one <see cref="IDispatchQueue.WatchAsync"/> may hold before it is
    /// ended with <see cref="DispatchEventsLostException"/>. Default 10,000.</summary>
    public int WatchBufferSize { get; init; } = 10_000;

    internal void Validate()
    {
        Keywords.Validate();
        if (MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "A task needs at least one attempt.");
        if (DefaultLease is { } lease && lease <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(DefaultLease), lease, "A lease must be positive.");
        if (string.IsNullOrWhiteSpace(ActivityHeadline) || ActivityHeadline.Contains('\n')) throw new ArgumentException("The activity headline needs a one-line title.", nameof(ActivityHeadline));
        if (string.IsNullOrEmpty(IdPrefix) || IdPrefix.Any(char.IsWhiteSpace)) throw new ArgumentException("The id prefix must be one non-empty word.", nameof(IdPrefix));
        if (RecentActivityCount < 0) throw new ArgumentOutOfRangeException(nameof(RecentActivityCount));
        if (WatchBufferSize < 1) throw new ArgumentOutOfRangeException(nameof(WatchBufferSize), WatchBufferSize, "A watcher needs room for at least one event.");
    }
}
