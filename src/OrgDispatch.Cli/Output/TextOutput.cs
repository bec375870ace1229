using System.Globalization;
using OrgDispatch.Queue;

namespace OrgDispatch.Cli.Output;

/// <summary>Short human-readable lines.</summary>
internal static class TextOutput
{
    /// <summary><c>TASK-001  [#A] Deploy auth service  (deadline 2026-12-01)</c></summary>
    public static string TaskLine(DispatchTask t)
    {
        string priority = t.Priority is { } p ? $"[#{p}] " : "";
        var extras = new List<string>();
        if (t.State != TaskState.Pending) extras.Add(t.State.ToSnakeCase());
        if (t.Claim is { } c)
        {
            extras.Add("held by " + c.Agent + (c.LeaseExpires is { } e ? " until " + e.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : ""));
        }
        if (t.Deadline is { IsValid: true } d) extras.Add("deadline " + d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (t.BlockedBy.Count > 0) extras.Add("after " + string.Join(", ", t.BlockedBy));
        return $"{t.Id}  {priority}{t.Title}" + (extras.Count > 0 ? "  (" + string.Join("; ", extras) + ")" : "");
    }

    /// <summary><c>claimed TASK-001 by ann: TASK-001  Deploy auth service  (in_progress; held by ann)</c></summary>
    public static string EventLine(DispatchEvent e)
    {
        string head = e.Kind.ToSnakeCase() + (e.TaskId is { } id ? " " + id : "") + (e.Agent is { } a ? " by " + a : "");
        if (e.Activity is { } activity) return head + ": " + Activity(activity);
        if (e.Task is { } t) return head + ": " + TaskLine(t) + (e.Note is { } n && e.Kind != DispatchEventKind.Claimed ? " — " + n : "");
        return head;
    }

    public static string Activity(ActivityEntry e) =>
        (e.Timestamp is { } ts ? "[" + ts + "] " : "") + (e.Agent is { } a ? a + ": " : "") + e.Message;

    public static void Status(TextWriter o, DispatchStatus s)
    {
        if (!s.Reachable)
        {
            o.WriteLine($"dispatch file: {s.Location} UNREACHABLE: {s.Error}");
            return;
        }
        o.WriteLine($"dispatch file: {s.Location} (reachable)");
        o.WriteLine("tasks: " + string.Join(", ", Enum.GetValues<TaskState>().Select(st => $"{s.Counts.GetValueOrDefault(st)} {st.ToSnakeCase()}")));
        foreach (DispatchTask t in s.StaleClaims) o.WriteLine("stale claim: " + TaskLine(t));
        foreach (DispatchProblem p in s.Problems) o.WriteLine("problem: " + p.Message);
        if (s.RecentActivity.Count > 0)
        {
            o.WriteLine("recent activity:");
            foreach (ActivityEntry e in s.RecentActivity) o.WriteLine("  " + Activity(e));
        }
    }
}
