using System.CommandLine;
using System.Globalization;
using OrgDispatch.Cli.Output;
using OrgDispatch.Lisp;
using OrgDispatch.Queue;
using OrgDispatch.Stores;

namespace OrgDispatch.Cli.Commands;

/// <summary>The agents' commands over the dispatch queue: init, poll, next, claim, heartbeat,
/// release, done, fail, skip, add, append, show, status, report.</summary>
internal static class QueueCommands
{
    public static IEnumerable<Command> Build()
    {
        yield return Init();
        yield return Poll();
        yield return Next();
        yield return Claim();
        yield return Heartbeat();
        yield return Release();
        yield return Done();
        yield return Fail();
        yield return Skip();
        yield return Add();
        yield return Append();
        yield return Show();
        yield return Status();
        yield return Report();
        yield return Eval();
        yield return Doctor();
    }

    private static Command Doctor()
    {
        var command = new QueueCommand("doctor", $"Check a dispatch setup and say what to fix: the file (readable, its folder writable, the lock), Emacs or the hub answering, ids, keywords, dependencies. Changes nothing. Exits {ExitCodes.UsageOrTransport} if a check fails. Example: org-dispatch doctor --file ~/fleet/dispatch.org");
        command.SetQueueAction(async (c, ct) =>
        {
            IReadOnlyList<DispatchCheck> checks = await DispatchDoctor.CheckAsync(c.Connection, ct);
            bool failed = checks.Any(k => k.Outcome == DispatchCheckOutcome.Failed);
            if (c.Json)
            {
                JsonOutput.Write(c.Output, w =>
                {
                    w.WriteBoolean("ok", !failed);
                    w.WriteStartArray("checks");
                    foreach (DispatchCheck k in checks)
                    {
                        w.WriteStartObject();
                        w.WriteString("name", k.Name);
                        w.WriteString("outcome", k.Outcome.ToString().ToLowerInvariant());
                        w.WriteString("detail", k.Detail);
                        w.WriteString("fix", k.Fix);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                });
            }
            else
            {
                foreach (DispatchCheck k in checks)
                {
                    string mark = k.Outcome switch { DispatchCheckOutcome.Ok => "ok  ", DispatchCheckOutcome.Warning => "warn", _ => "FAIL" };
                    c.Output.WriteLine($"{mark}  {k.Name,-20} {k.Detail}");
                    if (k.Fix is { } fix && k.Outcome != DispatchCheckOutcome.Ok) c.Output.WriteLine($"      {"",-20} fix: {fix}");
                }
                c.Output.WriteLine(failed ? "some checks failed" : "all checks passed");
            }
            return failed ? ExitCodes.UsageOrTransport : ExitCodes.Success;
        });
        return command;
    }

    private static Command Init()
    {
        var command = new QueueCommand("init", "Create a dispatch file with the #+TODO: line and an activity headline. Example: org-dispatch init --file ~/fleet/dispatch.org", transports: false);
        command.SetQueueAction(async (c, ct) =>
        {
            string path = c.FilePath;
            await FileDispatchStore.CreateAsync(path, c.Options, ct);
            if (c.Json) JsonOutput.Write(c.Output, w => w.WriteString("created", path));
            else c.Output.WriteLine($"created {path}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Poll()
    {
        var command = new QueueCommand("poll", "List the tasks this agent could claim now, best first. Example: org-dispatch poll --agent timmy --json", agent: true);
        command.SetQueueAction(async (c, ct) =>
        {
            IReadOnlyList<DispatchTask> tasks = await c.Queue.PollAsync(c.Agent, ct);
            if (c.Json)
            {
                JsonOutput.Write(c.Output, w =>
                {
                    w.WriteString("agent", c.Agent);
                    JsonOutput.Tasks(w, "tasks", tasks);
                });
            }
            else if (tasks.Count == 0) c.Output.WriteLine($"no tasks ready for {c.Agent}");
            else foreach (DispatchTask t in tasks) c.Output.WriteLine(TextOutput.TaskLine(t));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Next()
    {
        var command = new QueueCommand("next", $"Claim the first task poll would list. Exits {ExitCodes.NothingReady} when none is ready. Example: org-dispatch next --agent timmy --lease 15m --json", agent: true, lease: true);
        command.SetQueueAction(async (c, ct) =>
        {
            DispatchTask? task = await c.Queue.NextAsync(c.Agent, c.Lease, ct);
            if (c.Json) JsonOutput.Write(c.Output, w => JsonOutput.Task(w, "claimed", task));
            else c.Output.WriteLine(task is null ? $"no tasks ready for {c.Agent}" : "claimed " + TextOutput.TaskLine(task));
            return task is null ? ExitCodes.NothingReady : ExitCodes.Success;
        });
        return command;
    }

    private static Command Claim()
    {
        var id = IdArgument();
        var command = new QueueCommand("claim", $"Claim a task (PENDING → IN_PROGRESS). Exits {ExitCodes.Conflict} when another agent holds it. Example: org-dispatch claim TASK-0001 --agent timmy --lease 15m", agent: true, lease: true) { id };
        command.SetQueueAction(async (c, ct) =>
        {
            ClaimResult result = await c.Queue.ClaimAsync(c.Parse.GetValue(id)!, c.Agent, c.Lease, ct);
            if (c.Json)
            {
                JsonOutput.Write(c.Output, w =>
                {
                    w.WriteString("outcome", result.Outcome.ToSnakeCase());
                    w.WriteString("holder", result.Holder);
                    JsonOutput.Task(w, "task", result.Task);
                });
            }
            switch (result.Outcome)
            {
                case ClaimOutcome.Claimed when !c.Json: c.Output.WriteLine("claimed " + TextOutput.TaskLine(result.Task)); break;
                case ClaimOutcome.AlreadyYours when !c.Json: c.Output.WriteLine("already yours: " + TextOutput.TaskLine(result.Task)); break;
                case ClaimOutcome.ClaimedByOther: c.Error.WriteLine($"org-dispatch: {result.Task.Id} is already claimed by {result.Holder}."); break;
            }
            return result.Succeeded ? ExitCodes.Success : ExitCodes.Conflict;
        });
        return command;
    }

    private static Command Heartbeat()
    {
        var id = IdArgument();
        var command = new QueueCommand("heartbeat", "Renew the lease on a task this agent holds. Example: org-dispatch heartbeat TASK-0001 --agent timmy --lease 15m", agent: true, lease: true) { id };
        command.SetQueueAction(async (c, ct) => c.PrintTask("renewed", await c.Queue.HeartbeatAsync(c.Parse.GetValue(id)!, c.Agent, c.Lease, ct)));
        return command;
    }

    private static Command Release()
    {
        var id = IdArgument();
        var command = new QueueCommand("release", "Give back a task this agent holds (IN_PROGRESS → PENDING). Example: org-dispatch release TASK-0001 --agent timmy", agent: true) { id };
        command.SetQueueAction(async (c, ct) => c.PrintTask("released", await c.Queue.ReleaseAsync(c.Parse.GetValue(id)!, c.Agent, ct)));
        return command;
    }

    private static Command Done()
    {
        var id = IdArgument();
        var result = new Option<string>("--result", "-r") { Description = "What was done; written as the LOGBOOK note.", HelpName = "TEXT", Required = true };
        var command = new QueueCommand("done", "Finish a task this agent holds (IN_PROGRESS → DONE). Example: org-dispatch done TASK-0001 --agent timmy --result \"Deployed; smoke tests green.\"", agent: true) { id, result };
        command.SetQueueAction(async (c, ct) => c.PrintTask("done", await c.Queue.DoneAsync(c.Parse.GetValue(id)!, c.Agent, c.Parse.GetValue(result)!, ct)));
        return command;
    }

    private static Command Fail()
    {
        var id = IdArgument();
        var reason = new Option<string>("--reason", "-r") { Description = "Why it failed; written as the LOGBOOK note.", HelpName = "TEXT", Required = true };
        var command = new QueueCommand("fail", "Report failure on a task this agent holds: back to PENDING, or FAILED after the last attempt. Example: org-dispatch fail TASK-0001 --agent timmy --reason \"staging is down\"", agent: true) { id, reason };
        command.SetQueueAction(async (c, ct) =>
        {
            DispatchTask task = await c.Queue.FailAsync(c.Parse.GetValue(id)!, c.Agent, c.Parse.GetValue(reason)!, ct);
            return c.PrintTask(task.State == TaskState.Failed ? "failed for good" : "returned for retry", task);
        });
        return command;
    }

    private static Command Skip()
    {
        var id = IdArgument();
        var reason = new Option<string>("--reason", "-r") { Description = "Why; written as the LOGBOOK note.", HelpName = "TEXT" };
        var command = new QueueCommand("skip", "Cancel a pending task (PENDING → SKIPPED). Example: org-dispatch skip TASK-0003 --agent ann --reason \"not needed any more\"", agent: true) { id, reason };
        command.SetQueueAction(async (c, ct) => c.PrintTask("skipped", await c.Queue.SkipAsync(c.Parse.GetValue(id)!, c.Agent, c.Parse.GetValue(reason), ct)));
        return command;
    }

    private static Command Add()
    {
        var title = new Argument<string>("TITLE") { Description = "The task's one-line title." };
        var agents = new Option<string[]>("--agent", "-a") { Description = "An agent the task is for (a tag); repeatable. None: any agent.", HelpName = "NAME" };
        var priority = new Option<string>("--priority", "-p") { Description = "Priority, A (highest) to Z, or 0–9.", HelpName = "A" };
        priority.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } v && !(v.Length == 1 && (char.IsAsciiLetter(v[0]) || char.IsAsciiDigit(v[0]))))
            {
                r.AddError($"--priority: \"{v}\" is not one letter or digit.");
            }
        });
        var deadline = new Option<DateOnly?>("--deadline") { Description = "Deadline date, yyyy-mm-dd.", HelpName = "DATE" };
        var blockedBy = new Option<string[]>("--blocked-by") { Description = "Id of a task this one waits for; repeatable.", HelpName = "ID" };
        var body = new Option<string>("--body") { Description = "Text for the task's body.", HelpName = "TEXT" };
        var command = new QueueCommand("add", "Add a PENDING task with the next free id. Example: org-dispatch add \"Rotate the API keys\" --agent ezra --priority A --deadline 2026-12-15") { title, agents, priority, deadline, blockedBy, body };
        command.SetQueueAction(async (c, ct) =>
        {
            var task = new NewTask
            {
                Title = c.Parse.GetValue(title)!,
                Agents = c.Parse.GetValue(agents) ?? [],
                Priority = c.Parse.GetValue(priority) is [char p] ? char.ToUpperInvariant(p) : null,
                Deadline = c.Parse.GetValue(deadline),
                BlockedBy = c.Parse.GetValue(blockedBy) ?? [],
                Body = c.Parse.GetValue(body),
            };
            return c.PrintTask("added", await c.Queue.AddAsync(task, ct));
        });
        return command;
    }

    private static Command Append()
    {
        var message = new Argument<string>("MESSAGE") { Description = "The status message." };
        var command = new QueueCommand("append", "Append a timestamped message under the activity headline. Example: org-dispatch append \"migrations applied\" --agent timmy", agent: true) { message };
        command.SetQueueAction(async (c, ct) =>
        {
            ActivityEntry entry = await c.Queue.AppendAsync(c.Agent, c.Parse.GetValue(message)!, ct);
            if (c.Json) JsonOutput.Write(c.Output, w => { w.WritePropertyName("entry"); JsonOutput.Activity(w, entry); });
            else c.Output.WriteLine("appended " + TextOutput.Activity(entry));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show()
    {
        var id = IdArgument();
        var command = new QueueCommand("show", "Show one task. Example: org-dispatch show TASK-0001 --json") { id };
        command.SetQueueAction(async (c, ct) =>
        {
            DispatchTask t = await c.Queue.GetTaskAsync(c.Parse.GetValue(id)!, ct);
            if (c.Json) JsonOutput.Write(c.Output, w => JsonOutput.Task(w, "task", t));
            else
            {
                c.Output.WriteLine(TextOutput.TaskLine(t));
                c.Output.WriteLine($"  state {t.State.ToSnakeCase()}, attempts {t.Attempts}, line {t.LineNumber}" + (t.Agents.Count > 0 ? ", for " + string.Join(", ", t.Agents) : ""));
                if (t.Body.Length > 0) c.Output.WriteLine("  " + t.Body.Replace("\n", "\n  ", StringComparison.Ordinal));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Status()
    {
        var command = new QueueCommand("status", $"Health of the dispatch file: reachable, counts, stale claims, problems, recent activity. Exits {ExitCodes.UsageOrTransport} when unreachable. Example: org-dispatch status --hub 127.0.0.1:9105");
        command.SetQueueAction(async (c, ct) =>
        {
            DispatchStatus s = await c.Queue.GetStatusAsync(ct);
            if (c.Json) JsonOutput.Write(c.Output, w => JsonOutput.Status(w, s));
            else TextOutput.Status(c.Output, s);
            return s.Reachable ? ExitCodes.Success : ExitCodes.UsageOrTransport;
        });
        return command;
    }

    private static Command Report()
    {
        var command = new QueueCommand("report", "The crontab summary: connectivity, counts, my ready and active tasks, recent activity. Example: org-dispatch report --agent timmy", agent: true);
        command.SetQueueAction(async (c, ct) =>
        {
            DispatchStatus s = await c.Queue.GetStatusAsync(ct);
            IReadOnlyList<DispatchTask> ready = [], active = [];
            if (s.Reachable)
            {
                ready = await c.Queue.PollAsync(c.Agent, ct);
                active = (await c.Queue.GetTasksAsync(ct)).Where(t => t.Claim?.Agent == c.Agent).ToList();
            }
            if (c.Json)
            {
                JsonOutput.Write(c.Output, w =>
                {
                    w.WriteString("agent", c.Agent);
                    w.WriteString("time", DateTimeOffset.Now.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
                    w.WriteStartObject("status");
                    JsonOutput.Status(w, s);
                    w.WriteEndObject();
                    JsonOutput.Tasks(w, "ready", ready);
                    JsonOutput.Tasks(w, "active", active);
                });
            }
            else
            {
                c.Output.WriteLine($"=== org-dispatch report for {c.Agent}, {DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} ===");
                TextOutput.Status(c.Output, s with { RecentActivity = [] });
                if (s.Reachable)
                {
                    c.Output.WriteLine($"ready for {c.Agent}: {ready.Count}");
                    foreach (DispatchTask t in ready) c.Output.WriteLine("  " + TextOutput.TaskLine(t));
                    c.Output.WriteLine($"active for {c.Agent}: {active.Count}");
                    foreach (DispatchTask t in active) c.Output.WriteLine("  " + TextOutput.TaskLine(t));
                    c.Output.WriteLine("recent activity:");
                    foreach (ActivityEntry e in s.RecentActivity) c.Output.WriteLine("  " + TextOutput.Activity(e));
                }
            }
            return s.Reachable ? ExitCodes.Success : ExitCodes.UsageOrTransport;
        });
        return command;
    }

    private static Argument<string> IdArgument() => new("ID") { Description = "The task's id (its :ID: property)." };

    private static Command Eval()
    {
        Argument<string> expression = new("expr") { Description = "One Emacs Lisp form, e.g. \"(buffer-name)\".", HelpName = "EXPR" };
        var command = new QueueCommand("eval", "Evaluate Emacs Lisp in the Emacs that holds the dispatch buffer (emacs and ssh transports, or a hub serving one with --allow-eval) and print the value. Example: org-dispatch eval '(buffer-name)' --socket fleet") { expression };
        command.SetQueueAction(async (c, ct) =>
        {
            string form = c.Parse.GetValue(expression)!;
            if (!c.Connection.CanEvaluate)
            {
                c.Error.WriteLine("org-dispatch: eval runs Emacs Lisp, so it needs an Emacs: use --transport emacs (--socket) or ssh (--host); the file transport has none.");
                return ExitCodes.UsageOrTransport;
            }
            // Emacs's own printed form when it answers directly; the hub's value printed back otherwise.
            string text = c.Connection.Emacs is { } emacs ? (await emacs.EvaluateAsync(form, ct)).Text : SexpPrinter.Print(await c.Connection.EvaluateAsync(form, ct));
            if (c.Json) JsonOutput.Write(c.Output, w => w.WriteString("result", text));
            else c.Output.WriteLine(text);
            return ExitCodes.Success;
        });
        return command;
    }
}
