using System.CommandLine;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrgDispatch.Cli.Commands;
using OrgDispatch.Queue;

namespace OrgDispatch.Cli.Mcp;

/// <summary><c>org-dispatch mcp</c>: the queue as a Model Context Protocol server on stdin/stdout, for
/// coding agents (docs/mcp.md). Built on the official C# SDK; over any transport the CLI has.</summary>
internal static class McpCommand
{
    private static readonly TimeSpan DefaultLease = TimeSpan.FromMinutes(15);

    public static Command Build()
    {
        Option<string> file = CliOptions.File();
        Option<string> agent = CliOptions.Agent();
        Option<TimeSpan?> lease = CliOptions.Lease();
        lease.Description = $"The lease of every claim, renewed by every tool call the holder makes. Default: ${CliOptions.LeaseVariable}, else 15m.";
        var transport = new TransportOptions();
        var command = new Command("mcp", "Serve the queue to one coding agent over the Model Context Protocol (stdio), acting as --agent. Example: org-dispatch mcp --file ~/fleet/dispatch.org --agent timmy")
        {
            file, agent, lease,
        };
        foreach (Option o in transport.All) command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            TextWriter error = parse.InvocationConfiguration.Error;
            DispatchTransport kind = transport.Choose(parse, file);
            DispatchConnection connection;
            try
            {
                connection = DispatchConnection.Open(transport.ToConnectionOptions(parse, kind, parse.GetValue(file)!, DispatchOptions.Default, null));
            }
            catch (ArgumentException e)
            {
                error.WriteLine("org-dispatch: " + e.Message);
                return ExitCodes.UsageOrTransport;
            }
            await using DispatchConnection opened = connection;
            var me = new McpAgent(connection.Queue, parse.GetValue(agent)!, parse.GetValue(lease) ?? DefaultLease);
            await RunServerAsync(me, ct);
            return ExitCodes.Success;
        });
        return command;
    }

    // stdout carries the protocol, so logging goes to stderr, warnings only.
    private static async Task RunServerAsync(McpAgent me, CancellationToken ct)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(me);
        builder.Services
            .AddMcpServer(o => o.ServerInfo = new() { Name = "org-dispatch", Version = Version() })
            .WithStdioServerTransport()
            .WithTools<DispatchTools>()
            .WithResources<DispatchResources>();
        using IHost host = builder.Build();
        await host.RunAsync(ct);
    }

    private static string Version() =>
        typeof(McpCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
