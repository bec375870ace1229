namespace OrgDispatch.Cli;

/// <summary>The documented exit codes (docs/cli.md). Stable: scripts branch on them.</summary>
internal static class ExitCodes
{
    /// <summary>It worked.</summary>
    public const int Success = 0;

    /// <summary>An unexpected error (a bug): the message and stack trace are on stderr.</summary>
    public const int Unexpected = 1;

    /// <summary>Bad usage, or the file cannot be read, written or locked.</summary>
    public const int UsageOrTransport = 2;

    /// <summary>Already claimed by another agent, wrong state, wrong holder, or blocked.</summary>
    public const int Conflict = 3;

    /// <summary>No task has the id.</summary>
    public const int NotFound = 4;

    /// <summary><c>next</c> found no task ready for the agent.</summary>
    public const int NothingReady = 5;
}
