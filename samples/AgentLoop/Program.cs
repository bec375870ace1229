// A thin agent loop over the dispatch queue: each agent resumes what it holds, then polls,
// claims, works (renewing its lease), and reports done or fail, until nothing is left for it.
//
//   dotnet run --project samples/AgentLoop -- DISPATCH.ORG [--copy-to DIR] [--agent NAME]... [--socket NAME|PATH]
//
// --copy-to works on a copy in DIR (so a sample file stays as it is). Without --agent, four
// agents (timmy, ezra, cleo, allegro) work side by side, each with its own store, as separate
// processes would. --socket works on the file's buffer in a running Emacs (docs/transports.md)
// instead of on the file: open the file in that Emacs and watch the agents work.
using OrgDispatch;
using OrgDispatch.Queue;

if (args.Length == 0 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: AgentLoop DISPATCH.ORG [--copy-to DIR] [--agent NAME]... [--socket NAME|PATH]");
    return 2;
}
string path = args[0];
string? socket = null;
var agents = new List<string>();
for (int i = 1; i + 1 < args.Length; i += 2)
{
    if (args[i] == "--agent") agents.Add(args[i + 1]);
    else if (args[i] == "--socket") socket = args[i + 1];
    else if (args[i] == "--copy-to")
    {
        Directory.CreateDirectory(args[i + 1]);
        string copy = Path.Combine(args[i + 1], Path.GetFileName(path));
        File.Copy(path, copy, overwrite: true);
        path = copy;
    }
}
if (agents.Count == 0) agents.AddRange(["timmy", "ezra", "cleo", "allegro"]);
path = Path.GetFullPath(path);
// The only thing that differs between the transports: where the text lives.
var where = new DispatchConnectionOptions
{
    Transport = socket is null ? DispatchTransport.File : DispatchTransport.Emacs,
    FilePath = path,
    EmacsSocket = socket,
    Queue = new DispatchOptions { DefaultLease = TimeSpan.FromMinutes(5), MaxAttempts = 2 },
};

using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
await using (var first = DispatchConnection.Open(where))
{
    Console.WriteLine($"working on {first.Queue.Location} as {string.Join(", ", agents)}");
}
// Each agent opens its own connection, as separate processes would.
await Task.WhenAll(agents.Select(agent => Task.Run(async () =>
{
    await using var connection = DispatchConnection.Open(where);
    await RunAgent(agent, connection.Queue, stop.Token);
})));

await using var final = DispatchConnection.Open(where);
var status = await final.Queue.GetStatusAsync();
Console.WriteLine("final: " + string.Join(", ", status.Counts.Select(c => $"{c.Value} {c.Key.ToSnakeCase()}")));
foreach (DispatchProblem p in status.Problems) Console.WriteLine("problem: " + p.Message);
return 0;

static async Task RunAgent(string agent, IDispatchQueue queue, CancellationToken ct)
{
    var lease = TimeSpan.FromMinutes(5);
    var random = new Random(agent.GetHashCode(StringComparison.Ordinal));

    // After a restart, an agent first finishes what it already holds.
    foreach (DispatchTask held in (await queue.GetTasksAsync(ct)).Where(t => t.Claim?.Agent == agent))
    {
        await Work(held);
    }
    // Bounded: an agent gives up after 50 rounds or when nothing is ready or running for it.
    for (int round = 0; round < 50; round++)
    {
        DispatchTask? task = await queue.NextAsync(agent, cancellationToken: ct);
        if (task is null)
        {
            // Something in progress may unblock more work; otherwise this agent is done.
            bool others = (await queue.GetTasksAsync(ct)).Any(t => t.State == TaskState.InProgress);
            if (!others) break;
            await Task.Delay(200, ct);
            continue;
        }
        await Work(task);
    }

    async Task Work(DispatchTask task)
    {
        Console.WriteLine($"{agent,-8} claimed {task.Id} {task.Title} (attempt {task.Attempts})");
        await queue.AppendAsync(agent, $"working on {task.Id}", ct);
        await Task.Delay(random.Next(100, 300), ct);
        await queue.HeartbeatAsync(task.Id, agent, lease, ct);
        await Task.Delay(random.Next(100, 300), ct);
        if (random.NextDouble() < 0.25)
        {
            DispatchTask failed = await queue.FailAsync(task.Id, agent, "the simulated work failed", ct);
            Console.WriteLine($"{agent,-8} failed  {task.Id} -> {failed.State.ToSnakeCase()}");
        }
        else
        {
            await queue.DoneAsync(task.Id, agent, $"{task.Title}: done by {agent}.", ct);
            Console.WriteLine($"{agent,-8} done    {task.Id}");
        }
    }
}
