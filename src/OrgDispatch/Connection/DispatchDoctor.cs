using OrgDispatch.Emacs;
using OrgDispatch.Queue;
using OrgDispatch.Stores;

namespace OrgDispatch;

/// <summary>
/// Checks a dispatch setup the way <c>org-dispatch doctor</c> does, and says what to fix: for the
/// file transport the file, reading, writing its folder and the lock; for the Emacs transports
/// that Emacs answers; for a hub that it answers; then, on every transport, the file's own
/// problems (ids, keywords, dependencies, stale claims). Changes nothing.
/// </summary>
public static class DispatchDoctor
{
    /// <summary>Runs every check that applies to <paramref name="connection"/>'s transport.</summary>
    /// <param name="connection">An open connection (nothing needs to have been sent through it yet).</param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    /// <returns>The findings in order; a failed step skips the steps that need it.</returns>
    public static async Task<IReadOnlyList<DispatchCheck>> CheckAsync(DispatchConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        List<DispatchCheck> checks = [];
        switch (connection.Transport)
        {
            case DispatchTransport.File when connection.Store is FileDispatchStore file:
                checks.AddRange(await file.DiagnoseAsync(cancellationToken).ConfigureAwait(false));
                if (checks.Any(c => c.Outcome == DispatchCheckOutcome.Failed && c.Name is "file" or "read")) return checks;
                break;
            case DispatchTransport.Emacs or DispatchTransport.Ssh when connection.Emacs is { } emacs:
                DispatchCheck reached = await ReachEmacsAsync(emacs, cancellationToken).ConfigureAwait(false);
                checks.Add(reached);
                if (reached.Outcome == DispatchCheckOutcome.Failed) return checks;
                break;
        }
        DispatchStatus status;
        try
        {
            status = await connection.Queue.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IDispatchError)
        {
            checks.Add(new("tasks", DispatchCheckOutcome.Failed, e.Message, FixFor(e)));
            return checks;
        }
        if (!status.Reachable)
        {
            checks.Add(new(connection.Transport == DispatchTransport.Hub ? "hub" : "tasks", DispatchCheckOutcome.Failed, status.Error ?? "unreachable",
                connection.Transport == DispatchTransport.Hub ? "Start the hub (org-dispatch serve), or check --hub and --token." : null));
            return checks;
        }
        if (connection.Transport == DispatchTransport.Hub) checks.Add(new("hub", DispatchCheckOutcome.Ok, $"{status.Location} answers"));
        int total = status.Counts.Values.Sum();
        checks.Add(new("tasks", DispatchCheckOutcome.Ok,
            $"{total} tasks: " + string.Join(", ", status.Counts.Where(c => c.Value > 0).Select(c => $"{c.Value} {c.Key.ToSnakeCase()}"))));
        foreach (DispatchProblem p in status.Problems)
        {
            checks.Add(new(p.Kind, DispatchCheckOutcome.Failed, p.Message, ProblemFix(p.Kind)));
        }
        foreach (DispatchTask t in status.StaleClaims)
        {
            checks.Add(new("stale-claim", DispatchCheckOutcome.Warning, $"{t.Id} is held by {t.Claim?.Agent} past its lease", "The next change to the queue returns it to PENDING; or release it now (org-dispatch release)."));
        }
        return checks;
    }

    private static async Task<DispatchCheck> ReachEmacsAsync(IEmacsEvaluator emacs, CancellationToken cancellationToken)
    {
        try
        {
            EmacsResult pid = await emacs.EvaluateAsync("(emacs-pid)", cancellationToken).ConfigureAwait(false);
            return new("emacs", DispatchCheckOutcome.Ok, $"Emacs (pid {pid.Text}) answers at {emacs.Description}");
        }
        catch (EmacsServerException e)
        {
            return new("emacs", DispatchCheckOutcome.Failed, e.Message, FixFor(e));
        }
    }

    private static string? FixFor(Exception e) => e switch
    {
        EmacsServerException { Kind: EmacsErrorKind.SocketMissing } => "Start Emacs as a server (emacs --daemon, or M-x server-start), or name its socket with --socket.",
        EmacsServerException { Kind: EmacsErrorKind.DaemonNotRunning } => "Restart the Emacs daemon (a crashed one leaves its socket behind).",
        EmacsServerException { Kind: EmacsErrorKind.HostUnreachable } => "Check the host name, the port and the network (ssh HOST true).",
        EmacsServerException { Kind: EmacsErrorKind.AuthenticationFailed } => "Check the user, the key (--ssh-key) and known_hosts (--ssh-accept-new to trust a new host).",
        EmacsServerException { Kind: EmacsErrorKind.Timeout } => "Look at that Emacs: it may be waiting at a prompt.",
        DispatchStoreException { Code: FileStoreErrorCodes.FileMissing } => "Create the file: org-dispatch init.",
        _ => null,
    };

    private static string? ProblemFix(string kind) => kind switch
    {
        "duplicate-id" => "Give each task its own :ID: (org-dispatch add numbers them).",
        "missing-id" => "Add an :ID: property to the task (or remove its keyword if it is not a task).",
        "undeclared-keywords" => "Declare the keywords on a #+TODO: line, so Org reads them too (org-dispatch init writes one).",
        "unknown-dependency" or "dead-dependency" => "Fix the :BLOCKED_BY: ids.",
        "dependency-cycle" => "Break the cycle in :BLOCKED_BY:.",
        "claim-without-holder" => "Set :CLAIMED_BY: or put the task back to PENDING.",
        _ => null,
    };
}
