using OrgDispatch.Queue;

namespace ControlPlane;

/// <summary>The four endpoints of the control-plane contract over one dispatch queue.</summary>
public sealed class ControlPlaneApi(IDispatchQueue queue, ApprovalBook approvals, Roster roster, TimeProvider clock)
{
    /// <summary>Maps the endpoints under <c>/api/controlplane</c>, all behind <paramref name="secret"/>.</summary>
    public void Map(IEndpointRouteBuilder app, SharedSecret secret)
    {
        RouteGroupBuilder api = app.MapGroup("/api/controlplane").AddEndpointFilter(secret);
        api.MapGet("/state", StateAsync);
        api.MapGet("/tasks", TasksAsync);
        api.MapGet("/approvals", ApprovalsAsync);
        api.MapPost("/activity", ActivityAsync);
    }

    private async Task<IResult> StateAsync(CancellationToken ct)
    {
        DispatchStatus status = await queue.GetStatusAsync(ct);
        if (!status.Reachable) return Errors.Json(StatusCodes.Status503ServiceUnavailable, DispatchErrorCodes.Transport, status.Error ?? "The dispatch file cannot be read.");
        DateTimeOffset now = clock.GetLocalNow();
        return Results.Json(Budget.State(roster, Budget.SpentOn(status.RecentActivity, DateOnly.FromDateTime(now.DateTime)), now));
    }

    private async Task<IResult> TasksAsync(string? role, string? status, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(role)) return Errors.Json(StatusCodes.Status400BadRequest, "missing_role", "Ask for ?role=ROLE (an agent's role from controlplane.json).");
        TaskState? only = null;
        if (status is not null)
        {
            only = Enum.GetValues<TaskState>().Cast<TaskState?>().FirstOrDefault(s => s!.Value.ToSnakeCase() == status);
            if (only is null) return Errors.Json(StatusCodes.Status400BadRequest, "bad_status", $"status is one of {string.Join(", ", Enum.GetValues<TaskState>().Select(s => s.ToSnakeCase()))}.");
        }
        IReadOnlyList<DispatchTask> tasks = await queue.GetTasksAsync(ct);
        return Results.Json(new
        {
            role,
            tasks = tasks.Where(t => t.IsFor(role) && (only is null || t.State == only)).Select(t => TaskView.Of(t, role)),
        });
    }

    private async Task<IResult> ApprovalsAsync(string? agent_id, CancellationToken ct)
    {
        if (roster.Find(agent_id) is not { } agent) return UnknownAgent(agent_id);
        IReadOnlyList<Approval> all = await approvals.ForAgentAsync(agent.Id, ct);
        return Results.Json(new
        {
            agent_id = agent.Id,
            pending = all.Where(a => a.Status == "pending").Select(View),
            approved = all.Where(a => a.Status == "approved").Select(View),
            rejected = all.Where(a => a.Status == "rejected").Select(View),
        });
    }

    /// <summary>Checks everything that can be checked before anything is written (so a refused event
    /// changes nothing), then makes the one change the event asks for, then logs it.</summary>
    private async Task<IResult> ActivityAsync(HttpRequest request, CancellationToken ct)
    {
        var (e, problem) = await ActivityEvent.ReadAsync(request.Body, ct);
        if (e is null) return Errors.Json(StatusCodes.Status400BadRequest, "bad_json", problem!);
        if (e.EventType is null || !ActivityEvent.Types.Contains(e.EventType))
            return Errors.Json(StatusCodes.Status400BadRequest, "unknown_event_type", $"event_type is one of {string.Join(", ", ActivityEvent.Types)}, not \"{e.EventType}\".");
        if (roster.Find(e.AgentId) is not { } agent) return UnknownAgent(e.AgentId);
        long tokens = e.TokensUsed ?? 0;
        if (tokens is < 0 or > Budget.MaxTokensPerEvent)
            return Errors.Json(StatusCodes.Status400BadRequest, "bad_tokens", $"tokens_used is between 0 and {Budget.MaxTokensPerEvent}.");
        if (new[] { e.Result?.Output, e.Message, e.Details, e.Summary }.Any(t => t?.Length > ActivityEvent.MaxTextLength))
            return Errors.Json(StatusCodes.Status400BadRequest, "too_long", $"An event carries at most {ActivityEvent.MaxTextLength} characters of text in each field.");
        if (e.TaskId is { } id && (id.Length == 0 || id.Any(char.IsWhiteSpace)))
            return Errors.Json(StatusCodes.Status400BadRequest, "bad_task_id", "task_id is one word.");

        try
        {
            switch (e.EventType)
            {
                case "task_completed":
                {
                    if (e.TaskId is null) return Missing("task_id", e.EventType);
                    string output = e.Result?.Output is { Length: > 0 } o ? o : "completed";
                    await HoldAsync(e.TaskId, agent, ct);
                    // Once something is written, the rest is written too, even if the caller hangs up.
                    DispatchTask done = await queue.DoneAsync(e.TaskId, agent.Id, output, CancellationToken.None);
                    await LogAsync(agent, e, tokens, FirstLine(output));
                    return Results.Json(new { ok = true, task = TaskView.Of(done, agent.Id) });
                }
                case "error":
                {
                    if (e.Message is not { Length: > 0 } message) return Missing("message", e.EventType);
                    DispatchTask? failed = null;
                    if (e.TaskId is not null)
                    {
                        await HoldAsync(e.TaskId, agent, ct);
                        failed = await queue.FailAsync(e.TaskId, agent.Id, message, CancellationToken.None);
                    }
                    await LogAsync(agent, e, tokens, FirstLine(message));
                    return Results.Json(new { ok = true, task = failed is null ? null : TaskView.Of(failed, agent.Id) });
                }
                default: // approval_request
                {
                    string summary = FirstLine(e.Summary ?? "");
                    if (summary.Length == 0) return Missing("summary", e.EventType);
                    if (!approvals.IsPlainTitle(summary))
                        return Errors.Json(StatusCodes.Status400BadRequest, "bad_summary", "Org would not read the summary as plain text: no :tags: at its end, no [#A] cookie or COMMENT at its start.");
                    if (e.TaskId is not null) await queue.GetTaskAsync(e.TaskId, ct); // an unknown task is a 404 before anything is written
                    Approval a = await approvals.RequestAsync(agent.Id, summary, e.Details ?? "", e.TaskId, ct);
                    await LogAsync(agent, e, tokens, $"{a.ApprovalId} {a.Summary}");
                    return Results.Json(new { ok = true, approval = View(a) }, statusCode: StatusCodes.Status201Created);
                }
            }
        }
        catch (NotYourRoleException x)
        {
            return Errors.Json(StatusCodes.Status403Forbidden, "not_your_role", x.Message);
        }
        catch (TaskNotFoundException x)
        {
            return Errors.Json(StatusCodes.Status404NotFound, x.Code, x.Message);
        }
        catch (DispatchConflictException x)
        {
            return Errors.Json(StatusCodes.Status409Conflict, x.Code, x.Message);
        }
        catch (DispatchStoreException x)
        {
            return Errors.Json(StatusCodes.Status503ServiceUnavailable, x.Code, x.Message);
        }
    }

    /// <summary>Agents of this contract never claim: reporting on a PENDING task claims it first, so the
    /// LOGBOOK shows who did it and a task another agent holds is refused (409), never taken over.
    /// A task that is not for the agent's role is refused too (403).</summary>
    private async Task HoldAsync(string taskId, AgentConfig agent, CancellationToken ct)
    {
        DispatchTask task = await queue.GetTaskAsync(taskId, ct);
        if (!task.IsFor(agent.Role)) throw new NotYourRoleException($"{taskId} is not for the role {agent.Role} of {agent.Id} (its tags: {string.Join(", ", task.Agents)}).");
        if (task.State != TaskState.Pending) return; // the queue itself refuses a wrong holder or a finished task
        ClaimResult claim = await queue.ClaimAsync(taskId, agent.Id, cancellationToken: ct);
        if (!claim.Succeeded) throw new WrongHolderException(taskId, TaskMove.Claim, agent.Id, claim.Holder);
    }

    /// <summary>The event's line in the activity log: written after the change it reports, whatever the
    /// caller does meanwhile (the change and its line are two transactions of the same store).</summary>
    private Task<ActivityEntry> LogAsync(AgentConfig agent, ActivityEvent e, long tokens, string text) =>
        queue.AppendAsync(agent.Id, $"{e.EventType}{(e.TaskId is null ? "" : " " + e.TaskId)}: {text}{Budget.Suffix(tokens)}", CancellationToken.None);

    private sealed class NotYourRoleException(string message) : Exception(message);

    private static string FirstLine(string text)
    {
        string line = text.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        return line.Length <= 200 ? line : line[..200] + "…";
    }

    private static object View(Approval a) => new
    {
        approval_id = a.ApprovalId,
        status = a.Status,
        summary = a.Summary,
        details = a.Details,
        task_id = a.TaskId,
        requested_by = a.RequestedBy,
        requested_at = a.RequestedAt,
    };

    private static IResult Missing(string field, string eventType) =>
        Errors.Json(StatusCodes.Status400BadRequest, "missing_field", $"A {eventType} event needs {field}.");

    private IResult UnknownAgent(string? id) => id is null
        ? Errors.Json(StatusCodes.Status400BadRequest, "missing_field", "Name the agent: agent_id.")
        : Errors.Json(StatusCodes.Status404NotFound, "unknown_agent", $"No agent {id} in the control plane's config (known: {string.Join(", ", roster.Agents.Select(a => a.Id))}).");
}
