using System.CommandLine;
using OrgDispatch.Cli.Commands;

namespace OrgDispatch.Cli;

/// <summary>Builds the <c>org-dispatch</c> command tree.</summary>
internal static class CliApp
{
    /// <summary>Exit code: success.</summary>
    public const int Success = 0;

    /// <summary>Exit code: bad usage, or a file that cannot be read.</summary>
    public const int UsageOrIoError = 2;

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("org-dispatch: read Org files and coordinate agents through a shared dispatch.org.");
        root.Subcommands.Add(OutlineCommand.Build());
        return root;
    }
}
