using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrgDispatch.Cli.Output;
using OrgDispatch.Queue;

namespace OrgDispatch.Cli.Mcp;

/// <summary>Who the MCP server acts as, and on which queue: fixed by the server's command line, never by a
/// tool argument, so one agent cannot act as another.</summary>
internal sealed record McpAgent(IDispatchQueue Queue, string Agent, TimeSpan Lease);

/// <summary>The queue as MCP tools for a coding agent. Few tools on purpose (an agent pays context for
/// each). Every call first renews the lease of what this agent holds, because a model will not remember
/// to heartbeat. Results are the CLI's JSON shapes (docs/cli.md); errors are tool errors that start with
/// the queue's code (<c>not_found: …</c>).</summary>
[McpServerToolType]
internal sealed class DispatchTools(McpAgent me)
{
    [McpServerTool(Name = "dispatch_next", Destructive = false), Description("Claim the best task that is ready for you now (highest priority, then earliest deadline, then file order). Returns {\"claimed\": task} or {\"claimed\": null} when nothing is ready.")]
    public Task<CallToolResult> NextAsync(CancellationToken ct) => Run(null, async () =>
    {
        DispatchTask? task = await me.Queue.NextAsync(me.Agent, me.Lease, ct);
        return Json(w => JsonOutput.Task(w, "claimed", task));
    }, ct);

    [McpServerTool(Name = "dispatch_claim", Destructive = false), Description("Claim one task by id. The outcome is claimed, already_yours or claimed_by_other (then holder says who has it).")]
    public Task<CallToolResult> ClaimAsync([Description("The task id, e.g. TASK-0001.")] string id, CancellationToken ct) => Run(null, async () =>
    {
        ClaimResult r = await me.Queue.ClaimAsync(id, me.Agent, me.Lease, ct);
        return Json(w =>
        {
            w.WriteString("outcome", r.Outcome.ToSnakeCase());
            w.WriteString("holder", r.Holder);
            JsonOutput.Task(w, "task", r.Task);
        });
    }, ct);

    [McpServerTool(Name = "dispatch_heartbeat", Destructive = false, Idempotent = true), Description("Renew the lease on a task you hold (every other call renews it too).")]
    public Task<CallToolResult> HeartbeatAsync([Description("The task id.")] string id, CancellationToken ct) =>
        Run(id, async () => TaskJson(await me.Queue.HeartbeatAsync(id, me.Agent, me.Lease, ct)), ct);

    [McpServerTool(Name = "dispatch_done", Destructive = false), Description("Finish a task you hold, with a short note of what you did (written to the task's history).")]
    public Task<CallToolResult> DoneAsync([Description("The task id.")] string id, [Description("What was done, one or two sentences.")] string result, CancellationToken ct) =>
        Run(id, async () => TaskJson(await me.Queue.DoneAsync(id, me.Agent, result, ct)), ct);

    [McpServerTool(Name = "dispatch_fail", Destructive = false), Description("Report that a task you hold failed; it goes back to pending for a retry, or to failed when out of attempts.")]
    public Task<CallToolResult> FailAsync([Description("The task id.")] string id, [Description("Why it failed.")] string reason, CancellationToken ct) =>
        Run(id, async () => TaskJson(await me.Queue.FailAsync(id, me.Agent, reason, ct)), ct);

    [McpServerTool(Name = "dispatch_release", Destructive = false), Description("Give a task you hold back to pending, untouched, for someone else.")]
    public Task<CallToolResult> ReleaseAsync([Description("The task id.")] string id, CancellationToken ct) =>
        Run(id, async () => TaskJson(await me.Queue.ReleaseAsync(id, me.Agent, ct)), ct);

    [McpServerTool(Name = "dispatch_poll", ReadOnly = true), Description("List the tasks you could claim now, best first, without claiming any.")]
    public Task<CallToolResult> PollAsync(CancellationToken ct) => Run(null, async () =>
    {
        IReadOnlyList<DispatchTask> tasks = await me.Queue.PollAsync(me.Agent, ct);
        return Json(w => JsonOutput.Tasks(w, "tasks", tasks));
    }, ct);

    [McpServerTool(Name = "dispatch_show", ReadOnly = true), Description("One task with everything known about it: state, holder, lease, attempts, body, properties.")]
    public Task<CallToolResult> ShowAsync([Description("The task id.")] string id, CancellationToken ct) =>
        Run(null, async () => TaskJson(await me.Queue.GetTaskAsync(id, ct)), ct);

    [McpServerTool(Name = "dispatch_status", ReadOnly = true), Description("The queue's health: counts by state, stale claims, problems in the file, recent activity.")]
    public Task<CallToolResult> StatusAsync(CancellationToken ct) => Run(null, async () =>
    {
        DispatchStatus s = await me.Queue.GetStatusAsync(ct);
        return Json(w => JsonOutput.Status(w, s));
    }, ct);

    [McpServerTool(Name = "dispatch_add", Destructive = false), Description("Add a pending task (for follow-up work you found). Returns the new task with its id.")]
    public Task<CallToolResult> AddAsync(
        [Description("A one-line title.")] string title,
        [Description("Agents the task is for (Org tags); empty for anyone.")] string[]? agents = null,
        [Description("Priority A, B or C; empty for none.")] string? priority = null,
        [Description("Deadline as yyyy-mm-dd; empty for none.")] string? deadline = null,
        [Description("More detail, as plain text.")] string? body = null,
        CancellationToken ct = default) => Run(null, async () =>
    {
        var task = new NewTask
        {
            Title = title,
            Agents = agents ?? [],
            Priority = priority is { Length: 1 } p ? p[0] : priority is null or "" ? null : throw new ArgumentException($"priority must be one letter, not \"{priority}\"."),
            Deadline = deadline is null or "" ? null
                : DateOnly.TryParseExact(deadline, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly d) ? d
                : throw new ArgumentException($"deadline must be a date like 2026-12-01, not \"{deadline}\"."),
            Body = body,
        };
        return TaskJson(await me.Queue.AddAsync(task, ct));
    }, ct);

    [McpServerTool(Name = "dispatch_append", Destructive = false), Description("Write a timestamped status message, signed with your name, to the activity log people read.")]
    public Task<CallToolResult> AppendAsync([Description("The message, one line.")] string message, CancellationToken ct) => Run(null, async () =>
    {
        ActivityEntry e = await me.Queue.AppendAsync(me.Agent, message, ct);
        return Json(w =>
        {
            w.WritePropertyName("appended");
            JsonOutput.Activity(w, e);
        });
    }, ct);

    // Renews every task this agent holds except the one the call itself moves (heartbeat, done, fail
    // and release renew or settle it anyway), then runs the call; the queue's errors become tool
    // errors that start with their code.
    private async Task<CallToolResult> Run(string? moves, Func<Task<string>> call, CancellationToken ct)
    {
        try
        {
            await RenewLeasesAsync(moves, ct);
            return Result(await call(), isError: false);
        }
        catch (Exception e) when (e is IDispatchError or ArgumentException)
        {
            return Result($"{(e is IDispatchError d ? d.Code : DispatchErrorCodes.BadRequest)}: {e.Message}", isError: true);
        }
    }

    private static CallToolResult Result(string text, bool isError) => new() { Content = [new TextContentBlock { Text = text }], IsError = isError };

    private async Task RenewLeasesAsync(string? moves, CancellationToken ct)
    {
        foreach (DispatchTask t in await me.Queue.GetTasksAsync(ct))
        {
            if (t.State == TaskState.InProgress && t.Claim?.Agent == me.Agent && t.Id != moves)
                await me.Queue.HeartbeatAsync(t.Id, me.Agent, me.Lease, ct);
        }
    }

    private static string TaskJson(DispatchTask task) => Json(w => JsonOutput.Task(w, "task", task));

    private static string Json(Action<Utf8JsonWriter> members)
    {
        var text = new StringWriter();
        JsonOutput.WriteLine(text, members);
        return text.ToString().TrimEnd();
    }
}

/// <summary>The tasks as MCP resources: <c>dispatch://tasks</c> and <c>dispatch://task/{id}</c>.</summary>
[McpServerResourceType]
internal sealed class DispatchResources(McpAgent me)
{
    [McpServerResource(UriTemplate = "dispatch://tasks", Name = "tasks", MimeType = "application/json"), Description("Every task in the dispatch file, in file order.")]
    public async Task<string> TasksAsync(CancellationToken ct)
    {
        IReadOnlyList<DispatchTask> tasks = await me.Queue.GetTasksAsync(ct);
        var text = new StringWriter();
        JsonOutput.WriteLine(text, w => JsonOutput.Tasks(w, "tasks", tasks));
        return text.ToString().TrimEnd();
    }

    [McpServerResource(UriTemplate = "dispatch://task/{id}", Name = "task", MimeType = "application/json"), Description("One task by id.")]
    public async Task<string> TaskAsync(string id, CancellationToken ct)
    {
        DispatchTask task = await me.Queue.GetTaskAsync(id, ct);
        var text = new StringWriter();
        JsonOutput.WriteLine(text, w => JsonOutput.Task(w, "task", task));
        return text.ToString().TrimEnd();
    }
}
