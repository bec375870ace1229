// Keeps a fleet of agents in tmux, each in its own session on a dedicated server (tmux -L NAME,
// default orgdispatch-fleet) owned by a holder session, and wakes the agent whose task appears.
// docs/samples.md has the commands; only OrgDispatch's public API is used.
//
//   tmux-fleet holder                      start the server and its holder session
//   tmux-fleet spawn ann -- claude ...     run an agent in the session "ann"
//   tmux-fleet roster --file dispatch.org  who runs, and their tasks
//   tmux-fleet deliver ann "message"       paste a message into ann's pane, checked
//   tmux-fleet watch --file dispatch.org   wake agents as tasks appear (or --hub HOST:PORT)
//   tmux-fleet stop                        kill this server (never the default one)
using System.CommandLine;
using OrgDispatch;
using OrgDispatch.Hub;
using TmuxFleet;

var server = new Option<string>("--server", "-L") { Description = "The tmux server's socket name (tmux -L).", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ORGDISPATCH_FLEET") ?? "orgdispatch-fleet", Recursive = true };
var file = new Option<string?>("--file") { Description = "The dispatch file." };
var hub = new Option<string?>("--hub") { Description = "An org-dispatch hub (HOST:PORT) instead of the file: its events wake agents at once." };
var interval = new Option<TimeSpan>("--interval")
{
    Description = "With --file: how often to look at the file (e.g. 500ms, 2s, 1m).",
    DefaultValueFactory = _ => TimeSpan.FromSeconds(2),
    CustomParser = r => Duration(r.Tokens[0].Value) is { } d && d > TimeSpan.Zero ? d : Fail(r, $"--interval is a positive duration such as 500ms, 2s or 1m, not \"{r.Tokens[0].Value}\"."),
};
var agents = new Option<string[]>("--agent") { Description = "An agent to list even when it has no session.", AllowMultipleArgumentsPerToken = false };
var agent = new Argument<string>("agent") { Description = "The agent, and the name of its session." };
var message = new Argument<string>("message") { Description = "One line for the agent." };
var command = new Argument<string[]>("command") { Description = "What the agent runs (default: $SHELL).", Arity = ArgumentArity.ZeroOrMore };

var holder = new Command("holder", "Start the fleet's tmux server and its holder session (nothing if it runs).");
holder.SetAction(async (p, ct) => { await Tmux(p).EnsureHolderAsync(ct); Console.WriteLine($"holding tmux -L {p.GetValue(server)}"); return 0; });

var spawn = new Command("spawn", "Run an agent in its own session, named exactly after it.") { agent, command };
spawn.SetAction(async (p, ct) =>
{
    string[] cmd = p.GetValue(command) ?? [];
    await Tmux(p).NewSessionAsync(p.GetValue(agent)!, cmd.Length > 0 ? string.Join(' ', cmd) : Environment.GetEnvironmentVariable("SHELL") ?? "/bin/sh", ct);
    Console.WriteLine($"spawned {p.GetValue(agent)} on tmux -L {p.GetValue(server)}");
    return 0;
});

var roster = new Command("roster", "List the agents: session alive, pane command, pending and in-progress tasks.") { file, hub, agents };
roster.SetAction(async (p, ct) =>
{
    await using DispatchConnection connection = Open(p);
    var fleet = new Fleet(Tmux(p), connection.Queue, new Messenger(Tmux(p), Console.Out), Console.Out);
    Console.WriteLine("agent\tsession\tcommand\tpending\tin_progress");
    foreach (RosterEntry e in await fleet.RosterAsync(p.GetValue(agents) ?? [], ct))
        Console.WriteLine($"{e.Agent}\t{(e.Alive ? "alive" : "dead")}\t{e.PaneCommand ?? "-"}\t{e.Pending}\t{e.InProgress}");
    return 0;
});

var deliver = new Command("deliver", "Paste a message into an agent's pane, press Enter, and check that it arrived.") { agent, message };
deliver.SetAction(async (p, ct) =>
{
    return await new Messenger(Tmux(p), Console.Out).DeliverAsync(p.GetValue(agent)!, p.GetValue(message)!, ct) ? 0 : 1;
});

var watch = new Command("watch", "Wake each agent when a task tagged for it appears or comes back to PENDING.") { file, hub, interval };
watch.SetAction(async (p, ct) =>
{
    await using DispatchConnection connection = Open(p);
    var fleet = new Fleet(Tmux(p), connection.Queue, new Messenger(Tmux(p), Console.Out), Console.Out);
    try
    {
        await fleet.WatchAsync(p.GetValue(hub) is null ? Fleet.Every(p.GetValue(interval), ct) : Fleet.EventsOf(connection.Queue, ct), ct);
    }
    catch (OperationCanceledException) when (ct.IsCancellationRequested)
    {
    }
    return 0;
});

var stop = new Command("stop", "Kill the fleet's tmux server (with -L: never the default server).");
stop.SetAction(async (p, ct) => { await Tmux(p).KillServerAsync(ct); return 0; });

var root = new RootCommand("Keep a fleet of agents in tmux and wake the agent whose task appears.") { server, holder, spawn, roster, deliver, watch, stop };
ParseResult parse = root.Parse(args);
try
{
    // Our own handler below prints the message, not a stack trace.
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is InvalidOperationException or ArgumentException or TimeoutException or OrgDispatch.Queue.DispatchStoreException)
{
    Console.Error.WriteLine("tmux-fleet: " + e.Message);
    return 1;
}

TmuxServer Tmux(ParseResult p) => new(p.GetValue(server)!);

static TimeSpan? Duration(string text)
{
    (string unit, double scale) = text.EndsWith("ms", StringComparison.Ordinal) ? ("ms", 0.001)
        : text.EndsWith('s') ? ("s", 1) : text.EndsWith('m') ? ("m", 60) : ("", 1);
    return double.TryParse(text.AsSpan(0, text.Length - unit.Length), System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out double n)
        ? TimeSpan.FromSeconds(n * scale) : null;
}

static TimeSpan Fail(System.CommandLine.Parsing.ArgumentResult r, string message)
{
    r.AddError(message);
    return default;
}

DispatchConnection Open(ParseResult p)
{
    if (p.GetValue(hub) is { } address)
    {
        return DispatchConnection.Open(new DispatchConnectionOptions { Transport = DispatchTransport.Hub, Hub = HubClientOptions.Parse(address) });
    }
    string path = p.GetValue(file) ?? throw new ArgumentException("Name the dispatch file (--file PATH) or a hub (--hub HOST:PORT).");
    return DispatchConnection.OpenFile(Path.GetFullPath(path));
}
