using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Cli;

/// <summary><c>org-dispatch mcp</c> as a coding agent meets it: the SDK's own client over stdio,
/// against the real process.</summary>
public sealed class McpTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new();
    private readonly string _file;

    public McpTests()
    {
        _file = _dir.File("dispatch.org");
        File.WriteAllText(_file, DispatchFiles.Pending(2, "ann", "bob"));
    }

    public void Dispose() => _dir.Dispose();

    private async Task<McpClient> StartAsync(string agent, CancellationToken ct) =>
        await McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "org-dispatch " + agent,
            Command = CliProcess.AppHost,
            Arguments = ["mcp", "--file", _file, "--agent", agent],
            WorkingDirectory = _dir.Path,
        }), cancellationToken: ct);

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));

    private static JsonElement Json(CallToolResult result) => JsonDocument.Parse(Text(result)).RootElement;

    [Fact]
    public async Task It_offers_the_eleven_tools_with_documented_inputs_and_no_agent_argument()
    {
        using var cts = new CancellationTokenSource(Patience);
        await using McpClient client = await StartAsync("ann", cts.Token);
        IList<McpClientTool> tools = await client.ListToolsAsync(cancellationToken: cts.Token);

        Assert.Equal(
            ["dispatch_add", "dispatch_append", "dispatch_claim", "dispatch_done", "dispatch_fail", "dispatch_heartbeat",
             "dispatch_next", "dispatch_poll", "dispatch_release", "dispatch_show", "dispatch_status"],
            tools.Select(t => t.Name).Order());
        foreach (McpClientTool tool in tools)
        {
            Assert.False(string.IsNullOrWhiteSpace(tool.Description), tool.Name);
            JsonElement schema = tool.ProtocolTool.InputSchema;
            if (schema.TryGetProperty("properties", out JsonElement properties))
            {
                Assert.False(properties.TryGetProperty("agent", out _), $"{tool.Name} must not take the agent");
                foreach (JsonProperty p in properties.EnumerateObject())
                    Assert.True(p.Value.TryGetProperty("description", out _), $"{tool.Name}.{p.Name} has no description");
            }
            bool readOnly = tool.ProtocolTool.Annotations?.ReadOnlyHint == true;
            Assert.True(readOnly == tool.Name is "dispatch_poll" or "dispatch_show" or "dispatch_status", $"{tool.Name}: read-only {readOnly}");
        }
    }

    [Fact]
    public async Task A_full_claim_then_done_cycle_lands_in_the_file()
    {
        using var cts = new CancellationTokenSource(Patience);
        await using McpClient client = await StartAsync("ann", cts.Token);

        JsonElement claimed = Json(await client.CallToolAsync("dispatch_next", cancellationToken: cts.Token)).GetProperty("claimed");
        string id = claimed.GetProperty("id").GetString()!;
        Assert.Equal("in_progress", claimed.GetProperty("state").GetString());
        Assert.Equal("ann", claimed.GetProperty("claim").GetProperty("agent").GetString());
        Assert.NotEqual(JsonValueKind.Null, claimed.GetProperty("claim").GetProperty("lease_expires").ValueKind); // a lease by default

        CallToolResult done = await client.CallToolAsync("dispatch_done", new Dictionary<string, object?> { ["id"] = id, ["result"] = "Shipped it." }, cancellationToken: cts.Token);
        Assert.NotEqual(true, done.IsError);
        Assert.Equal("done", Json(done).GetProperty("task").GetProperty("state").GetString());
        string text = await File.ReadAllTextAsync(_file, cts.Token);
        Assert.Contains("Shipped it.", text, StringComparison.Ordinal);

        string resource = string.Concat((await client.ReadResourceAsync($"dispatch://task/{id}", cancellationToken: cts.Token)).Contents.OfType<TextResourceContents>().Select(c => c.Text));
        Assert.Equal("done", JsonDocument.Parse(resource).RootElement.GetProperty("task").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Any_call_by_the_holder_renews_its_lease()
    {
        using var cts = new CancellationTokenSource(Patience);
        await using McpClient client = await StartAsync("ann", cts.Token);
        JsonElement claimed = Json(await client.CallToolAsync("dispatch_claim", new Dictionary<string, object?> { ["id"] = "TASK-0001" }, cancellationToken: cts.Token)).GetProperty("task");
        DateTimeOffset first = claimed.GetProperty("claim").GetProperty("lease_expires").GetDateTimeOffset();

        await Task.Delay(TimeSpan.FromSeconds(1.5), cts.Token); // leases are written to the second
        await client.CallToolAsync("dispatch_poll", cancellationToken: cts.Token); // not about the task at all

        // Read through the resource, which renews nothing itself.
        string resource = string.Concat((await client.ReadResourceAsync("dispatch://task/TASK-0001", cancellationToken: cts.Token)).Contents.OfType<TextResourceContents>().Select(c => c.Text));
        JsonElement shown = JsonDocument.Parse(resource).RootElement.GetProperty("task");
        Assert.True(shown.GetProperty("claim").GetProperty("lease_expires").GetDateTimeOffset() > first, "the lease was not renewed");
    }

    [Fact]
    public async Task Two_agents_racing_for_one_task_through_two_servers_one_wins()
    {
        using var cts = new CancellationTokenSource(Patience);
        await using McpClient ann = await StartAsync("ann", cts.Token);
        await using McpClient bob = await StartAsync("bob", cts.Token);
        var claim = new Dictionary<string, object?> { ["id"] = "TASK-0001" };

        CallToolResult[] results = await Task.WhenAll(
            ann.CallToolAsync("dispatch_claim", claim, cancellationToken: cts.Token).AsTask(),
            bob.CallToolAsync("dispatch_claim", claim, cancellationToken: cts.Token).AsTask());

        string[] outcomes = results.Select(r => Json(r).GetProperty("outcome").GetString()!).Order().ToArray();
        Assert.Equal(["claimed", "claimed_by_other"], outcomes);
        string winner = Json(results.Single(r => Json(r).GetProperty("outcome").GetString() == "claimed")).GetProperty("holder").GetString()!;
        Assert.Contains($":CLAIMED_BY: {winner}", await File.ReadAllTextAsync(_file, cts.Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_are_tool_errors_with_the_queue_s_code_and_the_server_keeps_serving()
    {
        using var cts = new CancellationTokenSource(Patience);
        await using McpClient client = await StartAsync("ann", cts.Token);

        CallToolResult missing = await client.CallToolAsync("dispatch_done", new Dictionary<string, object?> { ["id"] = "TASK-9999", ["result"] = "x" }, cancellationToken: cts.Token);
        Assert.True(missing.IsError);
        Assert.StartsWith("not_found: ", Text(missing), StringComparison.Ordinal);

        CallToolResult badDate = await client.CallToolAsync("dispatch_add", new Dictionary<string, object?> { ["title"] = "x", ["deadline"] = "soon" }, cancellationToken: cts.Token);
        Assert.True(badDate.IsError);
        Assert.StartsWith("bad_request: ", Text(badDate), StringComparison.Ordinal);

        CallToolResult notMine = await client.CallToolAsync("dispatch_release", new Dictionary<string, object?> { ["id"] = "TASK-0002" }, cancellationToken: cts.Token);
        Assert.True(notMine.IsError);
        Assert.StartsWith("illegal_transition: ", Text(notMine), StringComparison.Ordinal);

        Assert.NotEqual(true, (await client.CallToolAsync("dispatch_status", cancellationToken: cts.Token)).IsError);
    }
}
