using OrgDispatch.Syntax;

namespace OrgDispatch.Queue;

/// <summary>The TODO keyword that spells each <see cref="TaskState"/> in the file.</summary>
/// <remarks>The file must declare them, e.g. <c>#+TODO: PENDING IN_PROGRESS | DONE SKIPPED FAILED</c>
/// (<see cref="TodoLine"/>), so that Org sees them too; files the library creates do.</remarks>
public sealed record DispatchKeywords
{
    /// <summary>The defaults: PENDING, IN_PROGRESS, DONE, SKIPPED, FAILED.</summary>
    public static DispatchKeywords Default { get; } = new();

    /// <summary>Keyword of <see cref="TaskState.Pending"/>.</summary>
    public string Pending { get; init; } = "PENDING";
    /// <summary>Keyword of <see cref="TaskState.InProgress"/>.</summary>
    public string InProgress { get; init; } = "IN_PROGRESS";
    /// <summary>Keyword of <see cref="TaskState.Done"/>.</summary>
    public string Done { get; init; } = "DONE";
    /// <summary>Keyword of <see cref="TaskState.Skipped"/>.</summary>
    public string Skipped { get; init; } = "SKIPPED";
    /// <summary>Keyword of <see cref="TaskState.Failed"/>.</summary>
    public string Failed { get; init; } = "FAILED";

    /// <summary>The sequence for a <c>#+TODO:</c> line: active states, <c>|</c>, terminal states.</summary>
    public string TodoLine => $"{Pending} {InProgress} | {Done} {Skipped} {Failed}";

    /// <summary>The keyword set Org would build from <see cref="TodoLine"/>.</summary>
    public TodoKeywordSet ToKeywordSet() => TodoKeywordSet.Parse([TodoLine]);

    /// <summary>The keyword for <paramref name="state"/>.</summary>
    public string Of(TaskState state) => state switch
    {
        TaskState.Pending => Pending,
        TaskState.InProgress => InProgress,
        TaskState.Done => Done,
        TaskState.Skipped => Skipped,
        TaskState.Failed => Failed,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    /// <summary>The state <paramref name="keyword"/> spells, if it is one of these keywords (case-sensitive, as in Org).</summary>
    public bool TryGetState(string? keyword, out TaskState state)
    {
        foreach (TaskState s in Enum.GetValues<TaskState>())
        {
            if (keyword == Of(s)) { state = s; return true; }
        }
        state = default;
        return false;
    }

    /// <summary>Checks that the five keywords are distinct single words.</summary>
    /// <exception cref="ArgumentException">A keyword is empty, holds whitespace or repeats another.</exception>
    public void Validate()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (TaskState s in Enum.GetValues<TaskState>())
        {
            string k = Of(s);
            if (string.IsNullOrEmpty(k) || k.Any(c => char.IsWhiteSpace(c) || c == '|'))
            {
                throw new ArgumentException($"The keyword for {s} must be one word without '|', not \"{k}\".");
            }
            if (!seen.Add(k)) throw new ArgumentException($"The keyword \"{k}\" is used for two states.");
        }
    }
}
