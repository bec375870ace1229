using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using OrgDispatch.Cli.Output;
using OrgDispatch.Hub;
using OrgDispatch.Queue;
using OrgDispatch.Stores;

namespace OrgDispatch.Cli.Commands;

/// <summary><c>bench file|hub</c>: a load generator, as redis-benchmark and pgbench are, so a user can
/// measure claims on their own machine. It makes its own dispatch file in a temporary folder (and,
/// for <c>hub</c>, its own hub on loopback), claims tasks by id from many clients at once, and prints
/// claims per second and latency percentiles. The BenchmarkDotNet suite stays the reference.</summary>
internal static class BenchCommand
{
    public static Command Build()
    {
        Argument<string> target = new("TARGET") { Description = "file (each client its own store on the file, as separate agents) or hub (a hub on loopback, as org-dispatch serve runs it, with group commit).", HelpName = "file|hub" };
        target.AcceptOnlyFromAmong("file", "hub");
        Option<int> tasks = new("--tasks") { Description = "Tasks in the generated file. Default 1000.", HelpName = "N", DefaultValueFactory = _ => 1000 };
        Option<int?> clients = new("--clients", "-c") { Description = "Concurrent clients. Default 1 for file, 32 for hub.", HelpName = "N" };
        Option<double> seconds = new("--seconds") { Description = "How long to run, at most (it stops sooner when every task is claimed). Default 10.", HelpName = "S", DefaultValueFactory = _ => 10 };
        Option<bool> json = CliOptions.Json();
        var command = new Command("bench", "Measure claims per second and latency on this machine, on a generated file in a temporary folder (fsync on). Example: org-dispatch bench hub --tasks 1000 --clients 32 --seconds 10")
        {
            target, tasks, clients, seconds, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            TextWriter output = parse.InvocationConfiguration.Output, error = parse.InvocationConfiguration.Error;
            int taskCount = parse.GetValue(tasks), clientCount = parse.GetValue(clients) ?? (parse.GetValue(target) == "hub" ? 32 : 1);
            double limit = parse.GetValue(seconds);
            if (taskCount is < 1 or > 1_000_000 || clientCount is < 1 or > 1024 || !(limit > 0 && limit <= 3600))
            {
                error.WriteLine("org-dispatch: bench needs 1 to 1,000,000 --tasks, 1 to 1024 --clients and 0 to 3600 --seconds.");
                return ExitCodes.UsageOrTransport;
            }
            Result r = await RunAsync(parse.GetValue(target)!, taskCount, clientCount, TimeSpan.FromSeconds(limit), ct);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(output, w =>
                {
                    w.WriteString("target", r.Target);
                    w.WriteNumber("tasks", taskCount);
                    w.WriteNumber("clients", clientCount);
                    w.WriteNumber("claims", r.Claims);
                    w.WriteNumber("seconds", Math.Round(r.Elapsed.TotalSeconds, 3));
                    w.WriteNumber("claims_per_second", Math.Round(r.PerSecond, 1));
                    w.WriteNumber("p50_ms", Math.Round(r.P50, 3));
                    w.WriteNumber("p99_ms", Math.Round(r.P99, 3));
                });
            }
            else
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Target}: {taskCount:N0} tasks, {clientCount} client{(clientCount == 1 ? "" : "s")}, {r.Claims:N0} claims in {r.Elapsed.TotalSeconds:0.0} s: {r.PerSecond:N0} claims/s, p50 {r.P50:0.00} ms, p99 {r.P99:0.00} ms"));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private sealed record Result(string Target, int Claims, TimeSpan Elapsed, double P50, double P99)
    {
        public double PerSecond => Claims / Math.Max(Elapsed.TotalSeconds, 1e-9);
    }

    private static async Task<Result> RunAsync(string target, int tasks, int clients, TimeSpan limit, CancellationToken cancellationToken)
    {
        DirectoryInfo dir = Directory.CreateTempSubdirectory("org-dispatch-bench-");
        try
        {
            string path = Path.Combine(dir.FullName, "dispatch.org");
            await File.WriteAllTextAsync(path, Generate(tasks), cancellationToken);
            List<IDispatchQueue> queues = [];
            var disposables = new List<IAsyncDisposable>();
            try
            {
                if (target == "hub")
                {
                    var store = new BatchingDispatchStore(new FileDispatchStore(path));
                    var server = new HubServer(new DispatchQueue(store), new HubServerOptions { Port = 0 });
                    disposables.Add(store);
                    disposables.Add(server);
                    await server.StartAsync(cancellationToken);
                    for (int c = 0; c < clients; c++)
                    {
                        var client = new HubDispatchQueue(new HubClientOptions { Port = server.LocalEndPoint.Port });
                        disposables.Insert(0, client); // clients close before the server
                        await client.Client.ConnectAsync(cancellationToken);
                        queues.Add(client);
                    }
                }
                else
                {
                    for (int c = 0; c < clients; c++) queues.Add(new DispatchQueue(new FileDispatchStore(path, TimeSpan.FromMinutes(1))));
                }
                return await ClaimAllAsync(target, queues, tasks, limit, cancellationToken);
            }
            finally
            {
                foreach (IAsyncDisposable d in disposables) await d.DisposeAsync();
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    // Every client claims distinct tasks by id, one at a time, until the time is up or no task is left.
    private static async Task<Result> ClaimAllAsync(string target, List<IDispatchQueue> queues, int tasks, TimeSpan limit, CancellationToken cancellationToken)
    {
        int next = 0;
        var clock = Stopwatch.StartNew();
        long[][] latencies = await Task.WhenAll(queues.Select((queue, c) => Task.Run(async () =>
        {
            var mine = new List<long>();
            while (clock.Elapsed < limit)
            {
                int n = Interlocked.Increment(ref next);
                if (n > tasks) break;
                long start = Stopwatch.GetTimestamp();
                ClaimResult r = await queue.ClaimAsync(Id(n), "bench" + c, cancellationToken: cancellationToken);
                mine.Add(Stopwatch.GetTimestamp() - start);
                if (r.Outcome != ClaimOutcome.Claimed) throw new InvalidOperationException($"bench: {Id(n)} came back {r.Outcome}");
            }
            return mine.ToArray();
        }, cancellationToken)));
        TimeSpan elapsed = clock.Elapsed;
        long[] all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)] * 1000.0 / Stopwatch.Frequency;
        return new Result(target, all.Length, elapsed, Percentile(0.50), Percentile(0.99));
    }

    private static string Id(int n) => "TASK-" + n.ToString("D6", CultureInfo.InvariantCulture);

    // The layout the queue writes: the keyword line, tasks with an id each, the activity headline.
    private static string Generate(int tasks)
    {
        DispatchKeywords k = DispatchOptions.Default.Keywords;
        var text = new StringBuilder(tasks * 120 + 256);
        text.Append(CultureInfo.InvariantCulture, $"#+TITLE: org-dispatch bench\n#+TODO: {k.TodoLine}\n\n");
        for (int n = 1; n <= tasks; n++)
        {
            text.Append(CultureInfo.InvariantCulture, $"* {k.Pending} Task number {n}\n  :PROPERTIES:\n  :ID:       {Id(n)}\n  :END:\n  Do the thing number {n}, then report.\n\n");
        }
        return text.Append("* ").Append(DispatchOptions.Default.ActivityHeadline).Append('\n').ToString();
    }
}
