using System.Globalization;
using System.Text.RegularExpressions;
using OrgDispatch.Syntax;
using OrgDispatch.Text;

namespace OrgDispatch.Queue;

/// <summary>Builds a <see cref="DispatchStatus"/>: counts, stale claims, problems, recent activity.</summary>
internal static partial class StatusReport
{
    public static DispatchStatus Build(string location, TaskTable table, DateTimeOffset now)
    {
        var counts = Enum.GetValues<TaskState>().ToDictionary(s => s, _ => 0);
        var problems = new List<DispatchProblem>();
        var stale = new List<DispatchTask>();
        var tasks = new List<DispatchTask>(table.Entries.Count);
        foreach (TaskEntry e in table.Entries)
        {
            counts[e.State]++;
            DispatchTask t = table.Read(e);
            tasks.Add(t);
            int line = e.Headline.LineNumber;
            if (e.Id is null) problems.Add(new(line, null, "missing-id", $"Line {line}: \"{t.Title}\" has a task keyword but no :ID: property, so no agent can address it."));
            if (t.Claim?.IsExpired(now) == true) stale.Add(t);
            if (e.State == TaskState.InProgress && t.Claim is null)
            {
                problems.Add(new(line, e.Id, "claim-without-holder", $"Line {line}: {Name(t)} is {table.Options.Keywords.InProgress} but has no :CLAIMED_BY:."));
            }
            CheckValue(t, TaskTable.AttemptsProperty, v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out _), problems);
            CheckValue(t, TaskTable.ClaimedAtProperty, v => TaskTable.ParseInstant(v) is not null, problems);
            CheckValue(t, TaskTable.LeaseExpiresProperty, v => TaskTable.ParseInstant(v) is not null, problems);
        }
        foreach (TaskEntry d in table.Duplicates)
        {
            problems.Add(new(d.Headline.LineNumber, d.Id, "duplicate-id", $"Line {d.Headline.LineNumber}: the id {d.Id} is also used earlier; only the first task with it can be addressed."));
        }
        CheckDependencies(tasks, problems);
        CheckKeywords(table, problems);
        // Stable, so one line's problems keep the order they were found in.
        problems = problems.OrderBy(p => p.Line).ToList();
        return new DispatchStatus
        {
            Location = location,
            Reachable = true,
            Counts = counts,
            StaleClaims = stale,
            Problems = problems,
            RecentActivity = Activity(table, table.Options.RecentActivityCount),
        };
    }

    /// <summary>The last <paramref name="count"/> items under the activity headline, oldest first.</summary>
    public static List<ActivityEntry> Activity(TaskTable table, int count)
    {
        var entries = new List<ActivityEntry>();
        if (table.Activity is not { } activity || count == 0) return entries;
        ReadOnlySpan<byte> src = table.Document.Source.Span;
        OrgReader reader = activity.ReadFromHeadline();
        reader.Read();
        int line = activity.LineNumber;
        while (reader.Read())
        {
            OrgToken t = reader.Token;
            int lines = src[t.Start..t.End].Count((byte)'\n');
            if (t.Kind == OrgTokenKind.ListItem && reader.Depth == 0)
            {
                string text = Utf8Text.Decode(src[t.Start..t.LineEnd]).Trim();
                Match m = ItemPattern().Match(text);
                entries.Add(m.Success
                    ? new ActivityEntry(m.Groups["ts"].Success ? m.Groups["ts"].Value : null, m.Groups["agent"].Success ? m.Groups["agent"].Value : null, m.Groups["msg"].Value, line + 1)
                    : new ActivityEntry(null, null, text, line + 1));
            }
            line += lines;
        }
        return entries.Count > count ? entries.GetRange(entries.Count - count, count) : entries;
    }

    // "- [2026-11-21 Sat 10:31] timmy: message", the timestamp and the agent each optional.
    [GeneratedRegex(@"^(?:[-+*]|\d+[.)])\s+(?:\[(?<ts>[^\]]*)\]\s+)?(?:(?<agent>[\w@#%]+):\s)?(?<msg>.*)$")]
    private static partial Regex ItemPattern();

    private static void CheckValue(DispatchTask t, string name, Func<string, bool> valid, List<DispatchProblem> problems)
    {
        if (TaskTable.Get(t.Properties, name) is { } v && !valid(v))
        {
            problems.Add(new(t.LineNumber, NullIfEmpty(t.Id), "bad-value", $"Line {t.LineNumber}: {Name(t)} has :{name}: \"{v}\", which cannot be read."));
        }
    }

    private static void CheckDependencies(List<DispatchTask> tasks, List<DispatchProblem> problems)
    {
        var byId = new Dictionary<string, DispatchTask>(StringComparer.Ordinal);
        foreach (DispatchTask t in tasks)
        {
            if (t.Id.Length > 0) byId.TryAdd(t.Id, t);
        }
        foreach (DispatchTask t in tasks)
        {
            foreach (string b in t.BlockedBy)
            {
                if (!byId.TryGetValue(b, out DispatchTask? blocker))
                {
                    problems.Add(new(t.LineNumber, NullIfEmpty(t.Id), "unknown-dependency", $"Line {t.LineNumber}: {Name(t)} waits for {b}, which no task has as its id."));
                }
                else if (!t.State.IsTerminal() && blocker.State is TaskState.Skipped or TaskState.Failed)
                {
                    problems.Add(new(t.LineNumber, NullIfEmpty(t.Id), "dead-dependency", $"Line {t.LineNumber}: {Name(t)} waits for {b}, which is {blocker.State.ToSnakeCase()} and will never be done."));
                }
            }
        }
        // Depth-first search with an explicit stack; a grey node met again closes a cycle.
        var color = new Dictionary<string, int>(StringComparer.Ordinal);
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (DispatchTask root in byId.Values)
        {
            if (color.ContainsKey(root.Id)) continue;
            var path = new List<string>();
            var stack = new Stack<(string Id, int Next)>();
            stack.Push((root.Id, 0));
            color[root.Id] = 1;
            path.Add(root.Id);
            while (stack.Count > 0)
            {
                var (id, next) = stack.Pop();
                IReadOnlyList<string> deps = byId[id].BlockedBy;
                if (next < deps.Count)
                {
                    stack.Push((id, next + 1));
                    string dep = deps[next];
                    if (!byId.ContainsKey(dep)) continue;
                    int c = color.GetValueOrDefault(dep);
                    if (c == 0)
                    {
                        color[dep] = 1;
                        path.Add(dep);
                        stack.Push((dep, 0));
                    }
                    else if (c == 1)
                    {
                        List<string> cycle = path[path.IndexOf(dep)..];
                        string key = string.Join(' ', cycle.Order(StringComparer.Ordinal));
                        if (reported.Add(key))
                        {
                            DispatchTask first = byId[dep];
                            problems.Add(new(first.LineNumber, dep, "dependency-cycle", $"Line {first.LineNumber}: the tasks {string.Join(" → ", cycle)} → {dep} wait for each other; none can start."));
                        }
                    }
                }
                else
                {
                    color[id] = 2;
                    path.RemoveAt(path.Count - 1);
                }
            }
        }
    }

    private static void CheckKeywords(TaskTable table, List<DispatchProblem> problems)
    {
        DispatchKeywords k = table.Options.Keywords;
        TodoKeywordSet declared = table.Document.Options.TodoKeywords;
        if (table.Document.Settings.TodoSequences.Count == 0)
        {
            problems.Add(new(0, null, "undeclared-keywords", $"The file has no #+TODO: line, so Org does not know the task keywords; add \"#+TODO: {k.TodoLine}\" at the top."));
            return;
        }
        var missing = Enum.GetValues<TaskState>().Select(k.Of).Where(w => !declared.Contains(w)).ToList();
        if (missing.Count > 0)
        {
            problems.Add(new(0, null, "undeclared-keywords", $"The file's #+TODO: lines lack {string.Join(", ", missing)}; tasks in those states are invisible. Use \"#+TODO: {k.TodoLine}\"."));
        }
    }

    private static string Name(DispatchTask t) => t.Id.Length > 0 ? t.Id : $"\"{t.Title}\"";

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
