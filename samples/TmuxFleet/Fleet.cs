using OrgDispatch.Queue;

namespace TmuxFleet;

/// <summary>One line of the roster.</summary>
public sealed record RosterEntry(string Agent, bool Alive, string? PaneCommand, int Pending, int InProgress);

/// <summary>The fleet: agents in their tmux sessions, woken when a task for them appears.</summary>
public sealed class Fleet(TmuxServer tmux, IDispatchQueue queue, Messenger messenger, TextWriter log)
{
    /// <summary>The message an agent gets for a task; <c>{id}</c> and <c>{title}</c> are filled in.</summary>
    public string Template { get; init; } = "New task {id}: {title}";

    /// <summary>Every agent of the server (its sessions but the holder) and of <paramref name="agents"/>,
    /// with whether its session is alive, what its pane runs and its tasks in the dispatch file.</summary>
    public async Task<IReadOnlyList<RosterEntry>> RosterAsync(IEnumerable<string> agents, CancellationToken ct)
    {
        var panes = (await tmux.ListPanesAsync(ct)).Where(p => p.Session != TmuxServer.HolderSession).ToList();
        IReadOnlyList<DispatchTask> tasks = await queue.GetTasksAsync(ct);
        return panes.Select(p => p.Session).Concat(agents).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(agent =>
            {
                var pane = panes.FirstOrDefault(p => p.Session == agent);
                return new RosterEntry(agent, pane.Session is not null && !pane.Dead, pane.Command,
                    tasks.Count(t => t.State == TaskState.Pending && t.Agents.Contains(agent)),
                    tasks.Count(t => t.State == TaskState.InProgress && t.Claim?.Agent == agent));
            })
            .ToList();
    }

    /// <summary>Wakes agents until cancelled: after each change (<paramref name="changes"/> yields one
    /// item per change seen), every PENDING task tagged for an agent that was not PENDING at the last
    /// look (new, released, expired, failed back) is delivered to that agent. What is pending when the
    /// watch starts is the baseline, not news.</summary>
    public async Task WatchAsync(IAsyncEnumerable<object?> changes, CancellationToken ct)
    {
        HashSet<(string Agent, string Task)> seen = Pending(await queue.GetTasksAsync(ct));
        log.WriteLine($"watching {queue.Location} for tmux -L {tmux.Name}");
        await foreach (object? _ in changes.WithCancellation(ct))
        {
            IReadOnlyList<DispatchTask> tasks = await queue.GetTasksAsync(ct);
            HashSet<(string Agent, string Task)> now = Pending(tasks);
            foreach (var (agent, id) in now.Except(seen).Order())
            {
                DispatchTask task = tasks.First(t => t.Id == id);
                await messenger.DeliverAsync(agent, Template.Replace("{id}", id, StringComparison.Ordinal).Replace("{title}", task.Title, StringComparison.Ordinal), ct);
            }
            seen = now;
        }
    }

    /// <summary>Every 'interval', forever: polling the file, for queues whose changes we cannot watch
    /// (another process writes the file).</summary>
    public static async IAsyncEnumerable<object?> Every(TimeSpan interval, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(ct)) yield return null;
    }

    /// <summary>A hub's events: every change anyone makes through the hub.</summary>
    public static async IAsyncEnumerable<object?> EventsOf(IDispatchQueue hub, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (DispatchEvent e in hub.WatchAsync(ct)) yield return e;
    }

    // Only tasks tagged with the agent: an untagged task is for anyone and wakes no one in particular.
    private static HashSet<(string, string)> Pending(IEnumerable<DispatchTask> tasks) =>
        tasks.Where(t => t.State == TaskState.Pending).SelectMany(t => t.Agents.Select(a => (a, t.Id))).ToHashSet();
}
