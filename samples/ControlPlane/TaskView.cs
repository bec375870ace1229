using OrgDispatch.Queue;

namespace ControlPlane;

/// <summary>A dispatch task as the control-plane contract shows it.</summary>
public static class TaskView
{
    /// <summary>Org's priority cookie in the contract's words: <c>[#A]</c> high, <c>[#B]</c> (Org's default,
    /// also for no cookie) medium, <c>[#C]</c> and anything after it low; a cookie before A (digits) is high.</summary>
    public static string Priority(char? cookie) => cookie switch
    {
        null or 'B' => "medium",
        < 'B' => "high",
        _ => "low",
    };

    /// <summary>One task: <c>assigned_to</c> is the holder while it is claimed, else the role it was
    /// asked for; <c>created_at</c> is its <c>:CREATED:</c> property (Org's convention) or null;
    /// <c>context</c> holds its other properties (<c>:BLOCKED_BY:</c> among them) and its deadline.</summary>
    public static object Of(DispatchTask task, string role)
    {
        var context = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string? created = null;
        foreach (var (name, value) in task.Properties)
        {
            if (name.Equals("CREATED", StringComparison.OrdinalIgnoreCase)) created = value;
            else if (!name.Equals("ID", StringComparison.OrdinalIgnoreCase)) context[name.ToLowerInvariant()] = value;
        }
        if (task.Deadline is { } deadline) context["deadline"] = deadline.ToIsoString();
        return new
        {
            task_id = task.Id,
            title = task.Title,
            description = task.Body,
            assigned_to = task.Claim?.Agent ?? role,
            priority = Priority(task.Priority),
            status = task.State.ToSnakeCase(),
            created_at = created,
            tags = task.Agents,
            context,
        };
    }
}
