using System.CommandLine;
using OrgDispatch.Cli.Commands;

namespace OrgDispatch.Cli;

/// <summary>Builds the <c>org-dispatch</c> command tree and runs it.</summary>
internal static class CliApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("org-dispatch: read Org files and coordinate agents through a shared dispatch.org.");
        root.Subcommands.Add(OutlineCommand.Build());
        root.Subcommands.Add(ParseCommand.Build());
        foreach (Command c in QueueCommands.Build()) root.Subcommands.Add(c);
        foreach (Command c in HubCommands.Build()) root.Subcommands.Add(c);
        root.Subcommands.Add(Mcp.McpCommand.Build());
        root.Subcommands.Add(BenchCommand.Build());
        return root;
    }

    /// <summary>Parses and runs; a command line that does not parse exits with
    /// <see cref="ExitCodes.UsageOrTransport"/> (System.CommandLine alone would exit 1).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        ParseResult parse = BuildRoot().Parse(args);
        var config = new InvocationConfiguration();
        if (output != null) config.Output = output;
        if (error != null) config.Error = error;
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) config.Error.WriteLine("org-dispatch: " + e.Message);
            config.Error.WriteLine("Run `org-dispatch --help` for usage.");
            return ExitCodes.UsageOrTransport;
        }
        return await parse.InvokeAsync(config);
    }
}
