using System.Text.Json;
using System.Text.Json.Serialization;

namespace ControlPlane;

/// <summary>The body of <c>POST /api/controlplane/activity</c>. Which fields an event needs:
/// <c>task_completed</c>: <c>task_id</c> (and <c>result.output</c>, the result note);
/// <c>error</c>: <c>message</c> (with <c>task_id</c>, the task fails with it);
/// <c>approval_request</c>: <c>summary</c> (and <c>details</c>, <c>task_id</c>).
/// Every event: <c>agent_id</c>, and <c>tokens_used</c> if it spent any.</summary>
public sealed record ActivityEvent
{
    /// <summary>The most text (details, result output, message) one event may carry into the file.</summary>
    public const int MaxTextLength = 64 * 1024;

    /// <summary>The event types this control plane knows.</summary>
    public static readonly string[] Types = ["task_completed", "approval_request", "error"];

    /// <summary><c>task_completed</c>, <c>approval_request</c> or <c>error</c>.</summary>
    public string? EventType { get; init; }
    /// <summary>The reporting agent; must be in <c>controlplane.json</c>.</summary>
    public string? AgentId { get; init; }
    /// <summary>The task the event is about.</summary>
    public string? TaskId { get; init; }
    /// <summary>Tokens the agent spent on it; counts toward the budget.</summary>
    public long? TokensUsed { get; init; }
    /// <summary><c>task_completed</c>: what came of it.</summary>
    public ActivityResult? Result { get; init; }
    /// <summary><c>error</c>: what went wrong.</summary>
    public string? Message { get; init; }
    /// <summary><c>approval_request</c>: what the agent asks to do, one line.</summary>
    public string? Summary { get; init; }
    /// <summary><c>approval_request</c>: anything a person needs to decide.</summary>
    public string? Details { get; init; }

    /// <summary>Reads the body; null with the reason when it is not a JSON object of this shape.</summary>
    public static async Task<(ActivityEvent? Event, string? Problem)> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        try
        {
            ActivityEvent? e = await JsonSerializer.DeserializeAsync<ActivityEvent>(body, Roster.Json, cancellationToken);
            return e is null ? (null, "The body must be a JSON object.") : (e, null);
        }
        catch (JsonException x)
        {
            return (null, "The body is not a valid activity event: " + x.Message);
        }
    }
}

/// <summary>The <c>result</c> of a <c>task_completed</c> event.</summary>
public sealed record ActivityResult
{
    /// <summary>The result note written to the task's LOGBOOK.</summary>
    public string? Output { get; init; }

    /// <summary>Anything else the agent sent in <c>result</c>, kept only to be tolerant of extras.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}
