using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Queue;

/// <summary>
/// Random sequences of operations from several agents against the real queue over a real file,
/// checked after every step against a model a few lines long.
/// </summary>
public sealed class QueueModelProperties
{
    private const int MaxAttempts = 2;
    private static readonly string[] Agents = ["ann", "bob", "cy"];
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);

    private enum Kind { Poll, Next, Claim, Heartbeat, Release, Done, Fail, Skip, Advance }

    private sealed record Op(Kind Kind, int Task, string Agent, int Minutes)
    {
        public override string ToString() => Kind == Kind.Advance ? $"advance {Minutes}m" : $"{Agent} {Kind} T{Task} (lease {Minutes}m)";
    }

    private sealed record Spec(int Tasks, int[] Priorities, int[] Owners, int[] BlockedBy, Op[] Ops);

    private sealed class ModelTask
    {
        public TaskState State = TaskState.Pending;
        public string? Holder;
        public int Attempts;
        public DateTimeOffset? Lease;
        public int Transitions;
    }

    private static Gen<Spec> Specs() =>
        from tasks in Gen.Choose(1, 6)
        from priorities in Gen.ArrayOf(Gen.Choose(0, 3), tasks)
        from owners in Gen.ArrayOf(Gen.Choose(-1, Agents.Length - 1), tasks)
        from blocked in Gen.ArrayOf(Gen.Frequency((3, Gen.Constant(-1)), (1, Gen.Choose(0, tasks - 1))), tasks)
        from ops in Gen.ListOf(Operation(tasks))
        select new Spec(tasks, priorities, owners, blocked, ops.ToArray());

    private static Gen<Op> Operation(int tasks) =>
        from kind in Gen.Frequency(
            (2, Gen.Constant(Kind.Poll)), (3, Gen.Constant(Kind.Next)), (4, Gen.Constant(Kind.Claim)), (2, Gen.Constant(Kind.Heartbeat)),
            (1, Gen.Constant(Kind.Release)), (3, Gen.Constant(Kind.Done)), (2, Gen.Constant(Kind.Fail)), (1, Gen.Constant(Kind.Skip)),
            (2, Gen.Constant(Kind.Advance)))
        from task in Gen.Choose(0, tasks) // == tasks: an id that does not exist
        from agent in Gen.Elements(Agents)
        from minutes in Gen.Elements(0, 5, 10, 30)
        select new Op(kind, task, agent, minutes);

    [Property(MaxTest = 60, QuietOnSuccess = true)]
    public Property The_queue_behaves_like_the_model() =>
        Prop.ForAll(Arb.From(Specs()), spec => Run(spec).GetAwaiter().GetResult());

    private static async Task Run(Spec spec)
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, Text(spec));
        var clock = new ManualClock(Start);
        await using var store = new FileDispatchStore(path);
        var queue = new DispatchQueue(store, new DispatchOptions { TimeProvider = clock, MaxAttempts = MaxAttempts });
        var model = Enumerable.Range(0, spec.Tasks).Select(_ => new ModelTask()).ToArray();
        var log = new List<string>();

        foreach (Op op in spec.Ops)
        {
            log.Add(op.ToString());
            string expected = Step(spec, model, op, clock);
            string actual = await Act(queue, op, clock);
            Assert.True(expected == actual, $"After {string.Join("; ", log)}:\n model says {expected}, queue says {actual}");

            IReadOnlyList<DispatchTask> tasks = await queue.GetTasksAsync();
            for (int i = 0; i < spec.Tasks; i++)
            {
                ModelTask m = model[i];
                DispatchTask t = tasks[i];
                Assert.True((m.State, m.Holder, m.Attempts, m.Lease) == (t.State, t.Claim?.Agent, t.Attempts, t.Claim?.LeaseExpires),
                    $"After {string.Join("; ", log)}:\n T{i} model ({m.State}, {m.Holder}, {m.Attempts}, {m.Lease}) queue ({t.State}, {t.Claim?.Agent}, {t.Attempts}, {t.Claim?.LeaseExpires})");
            }
        }
        // The LOGBOOK tells the truth: one state note per transition the model made.
        string text = File.ReadAllText(path);
        string[] sections = Regex.Split(text, @"^\* ", RegexOptions.Multiline);
        for (int i = 0; i < spec.Tasks; i++)
        {
            Assert.Equal(model[i].Transitions, Regex.Count(sections[i + 1], @"^- State ", RegexOptions.Multiline));
        }
    }

    private static string Text(Spec spec)
    {
        var sb = new System.Text.StringBuilder(DispatchFiles.Header);
        for (int i = 0; i < spec.Tasks; i++)
        {
            string priority = spec.Priorities[i] == 0 ? "" : $"[#{(char)('A' + spec.Priorities[i] - 1)}] ";
            string tags = spec.Owners[i] < 0 ? "" : $" :{Agents[spec.Owners[i]]}:";
            string blocked = spec.BlockedBy[i] < 0 || spec.BlockedBy[i] == i ? "" : $":BLOCKED_BY: T{spec.BlockedBy[i]}\n";
            sb.Append($"* PENDING {priority}Task {i}{tags}\n:PROPERTIES:\n:ID: T{i}\n{blocked}:END:\n");
        }
        return sb.ToString();
    }

    /// <summary>The model: what the operation should answer, as a short string.</summary>
    private static string Step(Spec spec, ModelTask[] model, Op op, ManualClock clock)
    {
        if (op.Kind == Kind.Advance) return "ok";
        DateTimeOffset now = clock.Now;
        foreach (ModelTask m in model)
        {
            if (m.State == TaskState.InProgress && m.Lease <= now) Back(m);
        }
        bool Ready(int i) => model[i].State == TaskState.Pending
            && (spec.BlockedBy[i] < 0 || spec.BlockedBy[i] == i ? true : model[spec.BlockedBy[i]].State == TaskState.Done)
            && (spec.Owners[i] < 0 || Agents[spec.Owners[i]] == op.Agent);
        IEnumerable<int> ready = Enumerable.Range(0, spec.Tasks).Where(Ready)
            .OrderBy(i => spec.Priorities[i] == 0 ? 2 : spec.Priorities[i]).ThenBy(i => i);
        TimeSpan? lease = op.Minutes == 0 ? null : TimeSpan.FromMinutes(op.Minutes);

        switch (op.Kind)
        {
            case Kind.Poll:
                return "poll " + string.Join(",", ready.Select(i => "T" + i));
            case Kind.Next:
                int[] first = ready.Take(1).ToArray();
                if (first.Length == 0) return "none";
                Claim(model[first[0]]);
                return "claimed T" + first[0];
        }
        if (op.Task == spec.Tasks) return "not found";
        ModelTask t = model[op.Task];
        bool selfBlocked = spec.BlockedBy[op.Task] == op.Task;
        switch (op.Kind)
        {
            case Kind.Claim:
                if (t.State == TaskState.InProgress) return t.Holder == op.Agent ? "already yours" : "held by " + t.Holder;
                if (t.State != TaskState.Pending) return "illegal";
                if (!selfBlocked && spec.BlockedBy[op.Task] >= 0 && model[spec.BlockedBy[op.Task]].State != TaskState.Done) return "blocked";
                Claim(t);
                return "claimed";
            case Kind.Skip:
                if (t.State != TaskState.Pending) return "illegal";
                t.State = TaskState.Skipped;
                t.Transitions++;
                return "ok";
        }
        if (t.State != TaskState.InProgress) return "illegal";
        if (t.Holder != op.Agent) return "wrong holder";
        switch (op.Kind)
        {
            case Kind.Heartbeat:
                if (lease is { } l) t.Lease = now + l;
                else if (t.Lease is not null) return "usage";
                return "ok";
            case Kind.Release:
                t.State = TaskState.Pending;
                break;
            case Kind.Done:
                t.State = TaskState.Done;
                break;
            case Kind.Fail:
                t.State = t.Attempts >= MaxAttempts ? TaskState.Failed : TaskState.Pending;
                break;
        }
        t.Holder = null;
        t.Lease = null;
        t.Transitions++;
        return "ok";

        void Claim(ModelTask m)
        {
            m.State = TaskState.InProgress;
            m.Holder = op.Agent;
            m.Attempts++;
            m.Lease = lease is { } l ? now + l : null;
            m.Transitions++;
        }

        void Back(ModelTask m)
        {
            m.State = m.Attempts >= MaxAttempts ? TaskState.Failed : TaskState.Pending;
            m.Holder = null;
            m.Lease = null;
            m.Transitions++;
        }
    }

    private static async Task<string> Act(DispatchQueue queue, Op op, ManualClock clock)
    {
        string id = "T" + op.Task;
        TimeSpan? lease = op.Minutes == 0 ? null : TimeSpan.FromMinutes(op.Minutes);
        try
        {
            switch (op.Kind)
            {
                case Kind.Advance:
                    clock.Advance(TimeSpan.FromMinutes(op.Minutes));
                    return "ok";
                case Kind.Poll:
                    return "poll " + string.Join(",", (await queue.PollAsync(op.Agent)).Select(t => t.Id));
                case Kind.Next:
                    return await queue.NextAsync(op.Agent, lease) is { } n ? "claimed " + n.Id : "none";
                case Kind.Claim:
                    ClaimResult r = await queue.ClaimAsync(id, op.Agent, lease);
                    return r.Outcome switch
                    {
                        ClaimOutcome.Claimed => "claimed",
                        ClaimOutcome.AlreadyYours => "already yours",
                        _ => "held by " + r.Holder,
                    };
                case Kind.Heartbeat: await queue.HeartbeatAsync(id, op.Agent, lease); return "ok";
                case Kind.Release: await queue.ReleaseAsync(id, op.Agent); return "ok";
                case Kind.Done: await queue.DoneAsync(id, op.Agent, "result of " + id); return "ok";
                case Kind.Fail: await queue.FailAsync(id, op.Agent, "it broke"); return "ok";
                case Kind.Skip: await queue.SkipAsync(id, op.Agent); return "ok";
            }
        }
        catch (TaskNotFoundException) { return "not found"; }
        catch (WrongHolderException) { return "wrong holder"; }
        catch (TaskBlockedException) { return "blocked"; }
        catch (IllegalTransitionException) { return "illegal"; }
        catch (ArgumentException) { return "usage"; }
        throw new InvalidOperationException(op.ToString());
    }
}
