using System.Collections.Frozen;
using OrgDispatch.Lisp;
using OrgDispatch.Queue;

namespace OrgDispatch.Hub;

/// <summary>An argument of a hub request: its key (without the colon) and whether it must be given.</summary>
internal readonly record struct HubArgument(string Key, bool Required);

/// <summary>What a request runs against: the queue the hub serves and the hub's options.</summary>
internal readonly record struct HubRequestContext(IDispatchQueue Queue, HubServerOptions Options);

/// <summary>One request the hub understands: its <c>:op</c> name, its arguments, and how the hub runs
/// it. Declared once in <see cref="HubOperations"/>; the hub's handler dispatches on it, the client
/// builds its requests from it, and a test holds docs/protocol.md's table to it.</summary>
internal sealed record HubOperation(string Name, IReadOnlyList<HubArgument> Arguments,
    Func<HubRequestContext, SexpList, CancellationToken, Task<Sexp>> Run)
{
    /// <summary>The request payload <c>(:op NAME :key value …)</c>, checked against the declaration: a
    /// required argument that is missing or null is an <see cref="ArgumentNullException"/> naming it.</summary>
    /// <exception cref="InvalidOperationException">A key this operation does not declare (a bug in the caller).</exception>
    public SexpList Request((string Key, Sexp? Value)[] arguments)
    {
        var pairs = new List<(string, Sexp?)>(arguments.Length + 1) { ("op", Sexp.String(Name)) };
        foreach ((string key, Sexp? value) in arguments)
        {
            HubArgument declared = Find(key) ?? throw new InvalidOperationException($"The {Name} request has no :{key} argument.");
            if (value is null && declared.Required) throw new ArgumentNullException(key, $"The {key} argument is required.");
            pairs.Add((key, value));
        }
        foreach (HubArgument a in Arguments)
        {
            if (a.Required && !Array.Exists(arguments, x => x.Key == a.Key)) throw new ArgumentNullException(a.Key, $"The {a.Key} argument is required.");
        }
        return Sexp.Plist(pairs);
    }

    private HubArgument? Find(string key)
    {
        foreach (HubArgument a in Arguments)
        {
            if (a.Key == key) return a;
        }
        return null;
    }
}

/// <summary>Every request of the Harness Communication vocabulary (docs/protocol.md), in the order the
/// protocol documents them. The handler checks each required argument before <see cref="HubOperation.Run"/>
/// runs, so a Run may rely on them.</summary>
internal static class HubOperations
{
    private static readonly HubArgument TaskId = new("task", true), Agent = new("agent", true), Lease = new("lease", false);

    public static readonly HubOperation Auth = new("auth", [new("token", false)],
        (_, _, _) => Task.FromResult<Sexp>(Sexp.T)); // checked by the connection before any other request

    public static readonly HubOperation Ping = new("ping", [], (_, _, _) => Task.FromResult<Sexp>(Sexp.String("pong")));

    public static readonly HubOperation Tasks = new("tasks", [],
        async (c, _, ct) => HubWire.Tasks(await c.Queue.GetTasksAsync(ct).ConfigureAwait(false)));

    public static readonly HubOperation TaskById = new("task", [TaskId],
        async (c, p, ct) => HubWire.Task(await c.Queue.GetTaskAsync(Id(p), ct).ConfigureAwait(false)));

    public static readonly HubOperation Poll = new("poll", [Agent],
        async (c, p, ct) => HubWire.Tasks(await c.Queue.PollAsync(AgentOf(p), ct).ConfigureAwait(false)));

    public static readonly HubOperation Next = new("next", [Agent, Lease], async (c, p, ct) =>
        await c.Queue.NextAsync(AgentOf(p), HubWire.ReadLease(p), ct).ConfigureAwait(false) is { } t ? HubWire.Task(t) : Sexp.Nil);

    public static readonly HubOperation Claim = new("claim", [TaskId, Agent, Lease],
        async (c, p, ct) => HubWire.Claim(await c.Queue.ClaimAsync(Id(p), AgentOf(p), HubWire.ReadLease(p), ct).ConfigureAwait(false)));

    public static readonly HubOperation Heartbeat = new("heartbeat", [TaskId, Agent, Lease],
        async (c, p, ct) => HubWire.Task(await c.Queue.HeartbeatAsync(Id(p), AgentOf(p), HubWire.ReadLease(p), ct).ConfigureAwait(false)));

    public static readonly HubOperation Release = new("release", [TaskId, Agent],
        async (c, p, ct) => HubWire.Task(await c.Queue.ReleaseAsync(Id(p), AgentOf(p), ct).ConfigureAwait(false)));

    public static readonly HubOperation Done = new("done", [TaskId, Agent, new("result", true)],
        async (c, p, ct) => HubWire.Task(await c.Queue.DoneAsync(Id(p), AgentOf(p), p.GetString("result")!, ct).ConfigureAwait(false)));

    public static readonly HubOperation Fail = new("fail", [TaskId, Agent, new("reason", true)],
        async (c, p, ct) => HubWire.Task(await c.Queue.FailAsync(Id(p), AgentOf(p), p.GetString("reason")!, ct).ConfigureAwait(false)));

    public static readonly HubOperation Skip = new("skip", [TaskId, Agent, new("reason", false)],
        async (c, p, ct) => HubWire.Task(await c.Queue.SkipAsync(Id(p), AgentOf(p), p.GetString("reason"), ct).ConfigureAwait(false)));

    public static readonly HubOperation Add = new("add",
        [new("title", true), new("agents", false), new("priority", false), new("deadline", false), new("blocked-by", false), new("body", false)],
        async (c, p, ct) => HubWire.Task(await c.Queue.AddAsync(HubWire.ReadNewTask(p), ct).ConfigureAwait(false)));

    public static readonly HubOperation Append = new("append", [Agent, new("message", true)],
        async (c, p, ct) => HubWire.Activity(await c.Queue.AppendAsync(AgentOf(p), p.GetString("message")!, ct).ConfigureAwait(false)));

    public static readonly HubOperation Status = new("status", [],
        async (c, _, ct) => HubWire.Status(await c.Queue.GetStatusAsync(ct).ConfigureAwait(false)));

    public static readonly HubOperation Eval = new("eval", [new("expr", true)], (c, p, ct) =>
    {
        if (!c.Options.AllowEval) throw new HubRequestException("eval_disabled", "eval is disabled on this hub; it runs only on a hub started with eval enabled (org-dispatch serve --allow-eval).");
        if (c.Options.Evaluator is not { } evaluate) throw new HubRequestException("eval_unsupported", $"This hub's transport ({c.Queue.Location}) cannot evaluate Lisp; eval needs the Emacs or SSH transport.");
        return evaluate(HubWire.Required(p, "expr"), ct);
    });

    /// <summary>Every operation, in documentation order.</summary>
    public static IReadOnlyList<HubOperation> All { get; } = [Auth, Ping, Tasks, TaskById, Poll, Next, Claim, Heartbeat, Release, Done, Fail, Skip, Add, Append, Status, Eval];

    /// <summary>The operations by name, matched case-insensitively as the hub always has.</summary>
    public static FrozenDictionary<string, HubOperation> ByName { get; } = All.ToFrozenDictionary(o => o.Name, StringComparer.OrdinalIgnoreCase);

    private static string Id(SexpList p) => HubWire.Required(p, "task");

    private static string AgentOf(SexpList p) => HubWire.Required(p, "agent");
}
