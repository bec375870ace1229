using OrgDispatch.Lisp;
using OrgDispatch.Queue;

namespace OrgDispatch.Hub;

/// <summary>Turns a request's payload into a queue call and its result into a response payload.
/// The vocabulary is documented in docs/protocol.md.</summary>
internal sealed class HubRequestHandler(IDispatchQueue queue, HubServerOptions options)
{
    /// <summary>The response payload: <c>(:ok t :result R)</c> or <c>(:ok nil :error (…))</c>. Never throws.</summary>
    public async Task<SexpList> HandleAsync(SexpList request, CancellationToken cancellationToken)
    {
        try
        {
            Sexp result = await RunAsync(request, cancellationToken).ConfigureAwait(false);
            return Sexp.Plist(("ok", Sexp.T), ("result", result));
        }
        catch (Exception e)
        {
            return Failure(e);
        }
    }

    public static SexpList Failure(Exception e) => Sexp.Plist(("ok", Sexp.Nil), ("error", HubWire.Error(e)));

    private async Task<Sexp> RunAsync(SexpList p, CancellationToken ct)
    {
        string op = p.GetString("op") ?? throw new HubRequestException("bad_request", "A request needs :op, e.g. (:op \"claim\" :task \"TASK-00001\" :agent \"a1\").");
        switch (op.ToLowerInvariant())
        {
            case "ping":
                return Sexp.String("pong");
            case "auth":
                return Sexp.T; // checked by the connection before anything else; here it is a no-op
            case "tasks":
                return HubWire.Tasks(await queue.GetTasksAsync(ct).ConfigureAwait(false));
            case "task":
                return HubWire.Task(await queue.GetTaskAsync(Task(p), ct).ConfigureAwait(false));
            case "poll":
                return HubWire.Tasks(await queue.PollAsync(Agent(p), ct).ConfigureAwait(false));
            case "next":
                DispatchTask? next = await queue.NextAsync(Agent(p), HubWire.ReadLease(p), ct).ConfigureAwait(false);
                return next is null ? Sexp.Nil : HubWire.Task(next);
            case "claim":
                return HubWire.Claim(await queue.ClaimAsync(Task(p), Agent(p), HubWire.ReadLease(p), ct).ConfigureAwait(false));
            case "heartbeat":
                return HubWire.Task(await queue.HeartbeatAsync(Task(p), Agent(p), HubWire.ReadLease(p), ct).ConfigureAwait(false));
            case "release":
                return HubWire.Task(await queue.ReleaseAsync(Task(p), Agent(p), ct).ConfigureAwait(false));
            case "done":
                return HubWire.Task(await queue.DoneAsync(Task(p), Agent(p), p.GetString("result") ?? "", ct).ConfigureAwait(false));
            case "fail":
                return HubWire.Task(await queue.FailAsync(Task(p), Agent(p), p.GetString("reason") ?? "", ct).ConfigureAwait(false));
            case "skip":
                return HubWire.Task(await queue.SkipAsync(Task(p), Agent(p), p.GetString("reason"), ct).ConfigureAwait(false));
            case "add":
                return HubWire.Task(await queue.AddAsync(HubWire.ReadNewTask(p), ct).ConfigureAwait(false));
            case "append":
                return HubWire.Activity(await queue.AppendAsync(Agent(p), p.GetString("message") ?? "", ct).ConfigureAwait(false));
            case "status":
                return HubWire.Status(await queue.GetStatusAsync(ct).ConfigureAwait(false));
            case "eval":
                if (!options.AllowEval) throw new HubRequestException("eval_disabled", "eval is disabled on this hub; it runs only on a hub started with eval enabled (org-dispatch serve --allow-eval).");
                if (options.Evaluator is not { } evaluate) throw new HubRequestException("eval_unsupported", $"This hub's transport ({queue.Location}) cannot evaluate Lisp; eval needs the Emacs or SSH transport.");
                return await evaluate(HubWire.Required(p, "expr"), ct).ConfigureAwait(false);
            default:
                throw new HubRequestException("unknown_op", $"Unknown op \"{op}\". Known: ping auth tasks task poll next claim heartbeat release done fail skip add append status eval.");
        }
    }

    private static string Task(SexpList p) => HubWire.Required(p, "task");

    private static string Agent(SexpList p) => HubWire.Required(p, "agent");
}
