using System.Diagnostics;
using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Cli;

/// <summary><c>org-dispatch serve</c>, <c>watch</c> and <c>--hub</c> as separate OS processes on loopback.</summary>
public sealed class HubCliTests
{
    [Fact]
    public async Task Agents_work_through_a_served_hub_and_watch_prints_the_events()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        await File.WriteAllTextAsync(path, DispatchFiles.Pending(3));
        using Process serve = Process.Start(CliProcess.StartInfo(["serve", "--file", path, "--port", "0", "--token", "s3cret"]))!;
        try
        {
            // The first stdout line names the real port.
            string first = (await serve.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)))!;
            Assert.StartsWith($"serving {path} on 127.0.0.1:", first);
            string hub = first[(first.LastIndexOf(' ') + 1)..];

            using Process watch = Process.Start(CliProcess.StartInfo(["watch", "--hub", hub, "--count", "2", "--json"], new Dictionary<string, string?> { ["ORGDISPATCH_TOKEN"] = "s3cret" }))!;
            Task<string> watched = watch.StandardOutput.ReadToEndAsync();
            Assert.Equal("watching tcp://" + hub, await watch.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));

            var next = CliProcess.Run(["next", "--hub", hub, "--token", "s3cret", "--agent", "ann", "--json"]);
            Assert.True(next.Code == 0, next.Err);
            Assert.Contains("\"id\": \"TASK-0001\"", next.Out);
            var done = CliProcess.Run(["done", "TASK-0001", "--hub", hub, "--token", "s3cret", "--agent", "ann", "--result", "shipped"]);
            Assert.True(done.Code == 0, done.Err);

            // The queue's exit codes hold through the hub.
            Assert.Equal(4, CliProcess.Run(["claim", "TASK-9999", "--hub", hub, "--token", "s3cret", "--agent", "ann"]).Code);
            var wrongToken = CliProcess.Run(["poll", "--hub", hub, "--token", "nope", "--agent", "ann", "--json"]);
            Assert.Equal(2, wrongToken.Code);
            Assert.Contains("\"code\": \"unauthorized\"", wrongToken.Out);

            Assert.True(watch.WaitForExit(30_000), "watch did not exit after --count events");
            string[] lines = (await watched).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("{\"event\":\"claimed\",\"task_id\":\"TASK-0001\",\"agent\":\"ann\"", lines[0]);
            Assert.StartsWith("{\"event\":\"done\",\"task_id\":\"TASK-0001\",\"agent\":\"ann\",\"note\":\"shipped\"", lines[1]);

            DispatchTask onDisk = await new DispatchQueue(new FileDispatchStore(path)).GetTaskAsync("TASK-0001");
            Assert.Equal(TaskState.Done, onDisk.State);
        }
        finally
        {
            // SIGTERM: the hub stops gracefully and exits 0.
            Process.Start("kill", ["-TERM", serve.Id.ToString()])!.WaitForExit();
            Assert.True(serve.WaitForExit(30_000), "serve did not stop on SIGTERM");
            Assert.Equal(0, serve.ExitCode);
            Assert.Contains("stopped", await serve.StandardError.ReadToEndAsync());
        }
    }

    [Fact]
    public void An_unreachable_hub_and_a_bad_address_are_usage_or_transport_errors()
    {
        int port = FreePort.Next();
        var unreachable = CliProcess.Run(["poll", "--hub", $"127.0.0.1:{port}", "--agent", "ann"]);
        Assert.Equal(2, unreachable.Code);
        Assert.Contains($"Cannot reach the hub at tcp://127.0.0.1:{port}", unreachable.Err);
        var bad = CliProcess.Run(["poll", "--hub", "localhost:http", "--agent", "ann"]);
        Assert.Equal(2, bad.Code);
        Assert.Contains("--hub: \"localhost:http\" is not HOST:PORT", bad.Err);
    }
}
