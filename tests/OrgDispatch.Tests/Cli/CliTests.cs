using System.Text.Json;
using OrgDispatch.Cli;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Cli;

/// <summary>The agents' interface: exit codes, JSON shapes, human output, configuration.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _file;

    public CliTests()
    {
        _file = _dir.File("dispatch.org");
        File.WriteAllText(_file, DispatchFiles.Pending(3, "timmy", "ezra"));
    }

    public void Dispose() => _dir.Dispose();

    private async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await CliApp.RunAsync([.. args, "--file", _file], output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    // Each after "claim TASK-0001 --agent ezra": TASK-0001 is held by ezra, TASK-0002 and 3 are pending.
    public static TheoryData<string[], int> ExitCodeCases => new()
    {
        { ["claim", "TASK-0001", "--agent", "timmy"], ExitCodes.Conflict },              // held by another
        { ["done", "TASK-0002", "--agent", "timmy", "--result", "x"], ExitCodes.Conflict }, // not claimed
        { ["done", "TASK-0001", "--agent", "timmy", "--result", "x"], ExitCodes.Conflict }, // wrong holder
        { ["claim", "TASK-9999", "--agent", "timmy"], ExitCodes.NotFound },
        { ["claim", "TASK-0002"], ExitCodes.UsageOrTransport },                          // no agent
        { ["claim", "TASK-0002", "--agent", "a b"], ExitCodes.UsageOrTransport },        // not a tag
        { ["frobnicate"], ExitCodes.UsageOrTransport },
        { ["next", "--agent", "timmy", "--lease", "soon"], ExitCodes.UsageOrTransport },
        { ["next", "--agent", "timmy"], ExitCodes.Success },
        { ["init"], ExitCodes.UsageOrTransport },                                         // the file exists
    };

    [Theory]
    [MemberData(nameof(ExitCodeCases))]
    public async Task Exit_codes_are_distinct_and_documented(string[] args, int expected)
    {
        Assert.Equal(ExitCodes.Success, (await Run("claim", "TASK-0001", "--agent", "ezra")).Code);
        var result = await Run(args);
        Assert.True(expected == result.Code, $"org-dispatch {string.Join(' ', args)} exited {result.Code}, not {expected}: {result.Err}");
    }

    [Fact]
    public void Transport_options_reach_the_connection_options()
    {
        var transport = new OrgDispatch.Cli.Commands.TransportOptions();
        var command = new System.CommandLine.Command("probe");
        foreach (System.CommandLine.Option o in transport.All) command.Options.Add(o);
        var file = CliOptions.File();
        command.Options.Add(file);
        var parse = command.Parse(["--emacs-timeout", "90s", "--socket", "fleet"]);

        var options = transport.ToConnectionOptions(parse, transport.Choose(parse, file), "dispatch.org", OrgDispatch.Queue.DispatchOptions.Default, null);

        Assert.Equal(DispatchTransport.Emacs, options.Transport);
        Assert.Equal(TimeSpan.FromSeconds(90), options.EmacsTimeout);
        Assert.Equal("fleet", options.EmacsSocket);
    }

    [Fact]
    public void Every_command_s_help_has_an_example_that_parses()
    {
        foreach (System.CommandLine.Command command in CliApp.BuildRoot().Subcommands)
        {
            string description = command.Description ?? "";
            int at = description.IndexOf("Example: org-dispatch " + command.Name + " ", StringComparison.Ordinal);
            Assert.True(at >= 0, $"{command.Name}: no example in its help");
            string example = description[(at + "Example: org-dispatch ".Length)..];
            var parse = CliApp.BuildRoot().Parse(System.CommandLine.Parsing.CommandLineParser.SplitCommandLine(example).ToArray());
            Assert.True(parse.Errors.Count == 0, $"{command.Name}: \"{example}\" does not parse: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        }
    }

    [Fact]
    public async Task A_conflict_names_the_holder()
    {
        await Run("claim", "TASK-0001", "--agent", "ezra");
        var conflict = await Run("claim", "TASK-0001", "--agent", "timmy");
        Assert.Equal("org-dispatch: TASK-0001 is already claimed by ezra.\n", conflict.Err);
    }

    [Fact]
    public async Task Next_exits_nothing_ready_once_every_task_for_the_agent_is_taken()
    {
        Assert.Equal(ExitCodes.Success, (await Run("next", "--agent", "timmy")).Code); // TASK-0002, timmy's only one
        Assert.Equal(ExitCodes.NothingReady, (await Run("next", "--agent", "timmy")).Code);
    }

    [Fact]
    public async Task A_missing_file_is_a_usage_error_that_says_so_until_init_creates_it()
    {
        File.Delete(_file);
        var gone = await Run("poll", "--agent", "timmy");
        Assert.Equal(ExitCodes.UsageOrTransport, gone.Code);
        Assert.Contains("does not exist", gone.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageOrTransport, (await Run("status")).Code);
        Assert.Equal(ExitCodes.Success, (await Run("init")).Code);
        Assert.Equal(ExitCodes.Success, (await Run("status")).Code);
    }

    [Fact]
    public async Task Json_output_has_the_documented_shape()
    {
        var claim = Json((await Run("claim", "TASK-0002", "--agent", "timmy", "--lease", "15m", "--json")).Out);
        Assert.Equal("claimed", claim.GetProperty("outcome").GetString());
        Assert.Equal("timmy", claim.GetProperty("holder").GetString());
        JsonElement task = claim.GetProperty("task");
        Assert.Equal(
            ["id", "title", "state", "priority", "agents", "deadline", "scheduled", "claim", "attempts", "blocked_by", "line", "body", "properties"],
            task.EnumerateObject().Select(p => p.Name));
        Assert.Equal("in_progress", task.GetProperty("state").GetString());
        Assert.Equal(["agent", "claimed_at", "lease_expires"], task.GetProperty("claim").EnumerateObject().Select(p => p.Name));

        var lost = await Run("claim", "TASK-0002", "--agent", "ezra", "--json");
        Assert.Equal(("claimed_by_other", "timmy"), (Json(lost.Out).GetProperty("outcome").GetString(), Json(lost.Out).GetProperty("holder").GetString()));

        var error = Json((await Run("claim", "TASK-9999", "--agent", "ezra", "--json")).Out).GetProperty("error");
        Assert.Equal(["code", "message", "task_id", "state", "holder"], error.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("not_found", "TASK-9999"), (error.GetProperty("code").GetString(), error.GetProperty("task_id").GetString()));

        var poll = Json((await Run("poll", "--agent", "ezra", "--json")).Out);
        Assert.Equal(["TASK-0001", "TASK-0003"], poll.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("id").GetString()));

        var status = Json((await Run("status", "--json")).Out);
        Assert.Equal(["location", "reachable", "error", "counts", "stale_claims", "problems", "recent_activity"], status.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, status.GetProperty("counts").GetProperty("in_progress").GetInt32());

        var append = Json((await Run("append", "working on it", "--agent", "timmy", "--json")).Out).GetProperty("entry");
        Assert.Equal(("timmy", "working on it"), (append.GetProperty("agent").GetString(), append.GetProperty("message").GetString()));

        var report = Json((await Run("report", "--agent", "timmy", "--json")).Out);
        Assert.Equal(["agent", "time", "status", "ready", "active"], report.EnumerateObject().Select(p => p.Name));
        Assert.Equal("TASK-0002", report.GetProperty("active")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Human_output_is_short_and_errors_go_to_stderr()
    {
        var poll = await Run("poll", "--agent", "timmy");
        Assert.Equal("TASK-0002  Task number 2\n", poll.Out);
        Assert.Equal("", poll.Err);
        var add = await Run("add", "Ship it", "--agent", "timmy", "--priority", "a", "--deadline", "2026-12-24", "--blocked-by", "TASK-0002");
        Assert.Equal("added TASK-0004  [#A] Ship it  (deadline 2026-12-24; after TASK-0002)\n", add.Out);
        var done = await Run("done", "TASK-0002", "--agent", "timmy", "--result", "x");
        Assert.Equal("", done.Out);
        Assert.Equal("org-dispatch: Cannot finish TASK-0002: it is pending, and done is not allowed from pending.\n", done.Err);
        var report = await Run("report", "--agent", "timmy");
        Assert.Contains("ready for timmy: 1\n  TASK-0002  Task number 2\nactive for timmy: 0\n", report.Out);
    }

    [Fact]
    public void Configuration_comes_from_the_environment_when_the_command_line_is_silent()
    {
        var env = new Dictionary<string, string?> { ["DISPATCH_FILE"] = _file, ["ORGDISPATCH_AGENT"] = "ezra", ["ORGDISPATCH_LEASE"] = "10m" };
        var (code, output, err) = CliProcess.Run(["next", "--json"], env);
        Assert.True(code == 0, err);
        JsonElement claimed = Json(output).GetProperty("claimed");
        Assert.Equal("ezra", claimed.GetProperty("claim").GetProperty("agent").GetString());
        Assert.NotEqual(JsonValueKind.Null, claimed.GetProperty("claim").GetProperty("lease_expires").ValueKind);
        // The command line wins over the environment.
        env["ORGDISPATCH_FILE"] = _dir.File("elsewhere.org");
        Assert.Equal(ExitCodes.UsageOrTransport, CliProcess.Run(["poll"], env).Code);
        Assert.Equal(0, CliProcess.Run(["poll", "--file", _file], env).Code);
        env["ORGDISPATCH_LEASE"] = "whenever";
        var bad = CliProcess.Run(["next", "--file", _file], env);
        Assert.Equal((2, true), (bad.Code, bad.Err.Contains("$ORGDISPATCH_LEASE: \"whenever\" is not a duration")));
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("15m", 900)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    [InlineData("00:05:00", 300)]
    public void Durations_read_as_documented(string text, int seconds)
    {
        Assert.True(CliOptions.TryParseDuration(text, out TimeSpan d));
        Assert.Equal(TimeSpan.FromSeconds(seconds), d);
    }
}
