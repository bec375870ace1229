using System.Globalization;
using System.Text;
using OrgDispatch.Document;
using OrgDispatch.Syntax;
using OrgDispatch.Text;

namespace OrgDispatch.Queue;

/// <summary>One transaction's worth of changes: checks each move against <see cref="TransitionTable"/>
/// and writes it with an <see cref="OrgEditor"/>, the way Org itself records it.</summary>
internal sealed class TaskWriter
{
    // org-tags-column's default: tags end at column 77.
    private const int TagsColumn = 77;

    private readonly DispatchOptions _options;
    private readonly DispatchKeywords _keywords;

    public TaskWriter(TaskTable table, DateTimeOffset now)
    {
        Table = table;
        Now = now;
        _options = table.Options;
        _keywords = _options.Keywords;
        Editor = table.Document.Edit();
        Editor.Indentation = _options.Indentation;
    }

    public TaskTable Table { get; }
    public OrgEditor Editor { get; }

    /// <summary>The document the editor's edits make, when a move needed it (add, append): the store
    /// can keep it instead of applying the same edits again.</summary>
    public OrgDocument? Applied { get; private set; }
    public DateTimeOffset Now { get; }

    /// <summary>Org writes log timestamps in local time.</summary>
    private DateTime LocalNow => TimeZoneInfo.ConvertTime(Now, _options.TimeProvider.LocalTimeZone).DateTime;

    /// <summary>Returns every claim whose lease has run out; the ids of the tasks it returned.</summary>
    public List<string> ExpireLeases()
    {
        var expired = new List<string>();
        foreach (TaskEntry e in Table.Entries)
        {
            if (e.State != TaskState.InProgress) continue;
            if (TaskTable.ParseInstant(e.LeaseExpires) is not { } until || until > Now) continue;
            DispatchTask t = Table.Read(e);
            TaskState to = TransitionTable.Target(TaskState.InProgress, TaskMove.Expire, OutOfAttempts(t))!.Value;
            Move(e.Headline, TaskState.InProgress, to,
                $"lease of {t.Claim?.Agent ?? "an unnamed holder"} expired at {TaskTable.FormatInstant(until)}");
            expired.Add(e.Id ?? $"line {e.Headline.LineNumber}");
        }
        return expired;
    }

    public ClaimResult Claim(string id, string agent, TimeSpan? lease)
    {
        TaskEntry e = Table.Find(id);
        DispatchTask t = Table.Read(e);
        if (e.State == TaskState.InProgress && t.Claim is { } held)
        {
            return new ClaimResult(held.Agent == agent ? ClaimOutcome.AlreadyYours : ClaimOutcome.ClaimedByOther, t);
        }
        TaskState to = TransitionTable.Target(e.State, TaskMove.Claim) ?? throw new IllegalTransitionException(id, e.State, TaskMove.Claim);
        List<string> waiting = Table.WaitingFor(e);
        if (waiting.Count > 0) throw new TaskBlockedException(id, waiting);

        int attempts = t.Attempts + 1;
        OrgHeadline h = e.Headline;
        DateTimeOffset? until = lease is { } l ? Now + l : null;
        Editor.SetProperty(h, TaskTable.ClaimedByProperty, agent)
              .SetProperty(h, TaskTable.ClaimedAtProperty, TaskTable.FormatInstant(Now))
              .SetProperty(h, TaskTable.AttemptsProperty, attempts.ToString(CultureInfo.InvariantCulture));
        if (until is { } u) Editor.SetProperty(h, TaskTable.LeaseExpiresProperty, TaskTable.FormatInstant(u));
        else Editor.RemoveProperty(h, TaskTable.LeaseExpiresProperty);
        Move(h, e.State, to, $"{agent}: claimed, attempt {attempts} of {_options.MaxAttempts}");
        var claim = new DispatchClaim(agent, Truncate(Now), until is { } v ? Truncate(v) : null);
        return new ClaimResult(ClaimOutcome.Claimed, Updated(t, to, claim, attempts));
    }

    public DispatchTask Heartbeat(string id, string agent, TimeSpan? lease)
    {
        (TaskEntry e, DispatchTask t) = CheckMove(id, agent, TaskMove.Heartbeat);
        if (lease is not { } l)
        {
            if (t.Claim?.LeaseExpires is not null)
            {
                throw new ArgumentException($"{id} has a lease, and no lease length was given to renew it by (pass one, or set DispatchOptions.DefaultLease).", nameof(lease));
            }
            return t;
        }
        DateTimeOffset until = Now + l;
        Editor.SetProperty(e.Headline, TaskTable.LeaseExpiresProperty, TaskTable.FormatInstant(until));
        return Updated(t, TaskState.InProgress, t.Claim! with { LeaseExpires = Truncate(until) }, t.Attempts);
    }

    /// <summary>Release, done, fail or skip.</summary>
    public DispatchTask Finish(string id, string agent, TaskMove move, string note)
    {
        (TaskEntry e, DispatchTask t) = CheckMove(id, agent, move);
        TaskState to = TransitionTable.Target(e.State, move, OutOfAttempts(t))!.Value;
        Move(e.Headline, e.State, to, $"{agent}: {note}");
        return Updated(t, to, null, t.Attempts);
    }

    public DispatchTask Add(NewTask task)
    {
        foreach (string blocker in task.BlockedBy) Table.Find(blocker);
        string id = NextId();
        string keyword = _keywords.Pending;
        string text = keyword + (task.Priority is { } p ? $" [#{p}]" : "") + " " + task.Title.Trim();
        if (task.Agents.Count > 0)
        {
            string tags = ":" + string.Join(':', task.Agents) + ":";
            int used = 2 + text.Length + tags.Length; // "* " + text + tags
            text += new string(' ', Math.Max(1, TagsColumn - used)) + tags;
        }
        string indent = NewTaskIndent();
        var content = new StringBuilder();
        if (task.Deadline is { } d)
        {
            content.Append(indent).Append("DEADLINE: <").Append(d.ToString("yyyy-MM-dd ddd", CultureInfo.InvariantCulture)).Append(">\n");
        }
        content.Append(indent).Append(":PROPERTIES:\n").Append(OrgEditor.PropertyLine(indent, TaskTable.IdProperty, id));
        if (task.BlockedBy.Count > 0) content.Append(OrgEditor.PropertyLine(indent, TaskTable.BlockedByProperty, string.Join(' ', task.BlockedBy)));
        content.Append(indent).Append(":END:\n");
        if (!string.IsNullOrWhiteSpace(task.Body))
        {
            foreach (string line in task.Body.Trim('\n', '\r').Split('\n')) content.Append(indent).Append(line.TrimEnd('\r')).Append('\n');
        }

        if (Table.Activity is { } activity && activity.Index == LastTopLevel()) Editor.InsertHeadlineBefore(activity, text, content.ToString());
        else Editor.AppendHeadline(null, text, content.ToString());

        TaskTable after = TaskTable.For(Applied = Editor.ApplyKeepingLineage(), _options);
        return after.Read(after.Find(id));
    }

    public ActivityEntry Append(string agent, string message)
    {
        string flat = string.Join(' ', message.Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
        string stamp = OrgEditor.FormatInactive(LocalNow);
        string item = $"{stamp} {agent}: {flat}";
        if (Table.Activity is { } activity) Editor.AppendListItem(activity, item);
        else Editor.AppendHeadline(null, _options.ActivityHeadline, "- " + item);
        TaskTable after = TaskTable.For(Applied = Editor.ApplyKeepingLineage(), _options);
        return StatusReport.Activity(after, int.MaxValue)[^1];
    }

    public static bool IsTag(string name) => name.Length > 0 && name.All(c => char.IsLetterOrDigit(c) || c is '_' or '@' or '#' or '%');

    public static void CheckNewTask(NewTask task)
    {
        if (string.IsNullOrWhiteSpace(task.Title) || task.Title.AsSpan().IndexOfAny('\n', '\r') >= 0)
        {
            throw new ArgumentException("A task needs a one-line, non-blank title.", nameof(task));
        }
        foreach (string agent in task.Agents)
        {
            if (!IsTag(agent)) throw new ArgumentException($"An agent name must be a valid Org tag (letters, digits, _@#%), not \"{agent}\".", nameof(task));
        }
        if (task.Priority is { } p && !(p is >= 'A' and <= 'Z' || char.IsAsciiDigit(p)))
        {
            throw new ArgumentException($"A priority is one character A–Z or 0–9, not '{p}'.", nameof(task));
        }
        foreach (string id in task.BlockedBy)
        {
            if (string.IsNullOrWhiteSpace(id) || id.Any(c => char.IsWhiteSpace(c) || c == ',')) throw new ArgumentException($"\"{id}\" is not a task id.", nameof(task));
        }
    }

    private (TaskEntry, DispatchTask) CheckMove(string id, string agent, TaskMove move)
    {
        TaskEntry e = Table.Find(id);
        DispatchTask t = Table.Read(e);
        if (TransitionTable.Target(e.State, move) is null) throw new IllegalTransitionException(id, e.State, move);
        if (TransitionTable.NeedsHolder(move) && t.Claim?.Agent != agent) throw new WrongHolderException(id, move, agent, t.Claim?.Agent);
        return (e, t);
    }

    private bool OutOfAttempts(DispatchTask t) => t.Attempts >= _options.MaxAttempts;

    /// <summary>Writes a state change: the keyword, the LOGBOOK state note Org writes
    /// (<c>State "DONE"       from "IN_PROGRESS" [ts] \\</c> and the note under it), CLOSED on
    /// entering a terminal state, and the claim properties removed on leaving IN_PROGRESS.</summary>
    private void Move(OrgHeadline h, TaskState from, TaskState to, string note)
    {
        if (from != to) Editor.SetTodoKeyword(h, _keywords.Of(to));
        if (from == TaskState.InProgress && to != TaskState.InProgress)
        {
            Editor.RemoveProperty(h, TaskTable.ClaimedByProperty)
                  .RemoveProperty(h, TaskTable.ClaimedAtProperty)
                  .RemoveProperty(h, TaskTable.LeaseExpiresProperty);
        }
        if (to.IsTerminal()) Editor.SetClosed(h, LocalNow);
        // org-log-note-headings' state entry: "State %-12s from %-12S %t".
        string heading = string.Format(CultureInfo.InvariantCulture, "State {0,-12} from {1,-12} {2}",
            Quote(_keywords.Of(to)), Quote(_keywords.Of(from)), OrgEditor.FormatInactive(LocalNow));
        Editor.AddLogbookEntry(h, heading, note);
    }

    private static string Quote(string keyword) => "\"" + keyword + "\"";

    private static DispatchTask Updated(DispatchTask t, TaskState state, DispatchClaim? claim, int attempts)
    {
        var properties = new Dictionary<string, string>(t.Properties, StringComparer.OrdinalIgnoreCase);
        properties.Remove(TaskTable.ClaimedByProperty);
        properties.Remove(TaskTable.ClaimedAtProperty);
        properties.Remove(TaskTable.LeaseExpiresProperty);
        if (claim != null)
        {
            properties[TaskTable.ClaimedByProperty] = claim.Agent;
            if (claim.ClaimedAt is { } at) properties[TaskTable.ClaimedAtProperty] = TaskTable.FormatInstant(at);
            if (claim.LeaseExpires is { } until) properties[TaskTable.LeaseExpiresProperty] = TaskTable.FormatInstant(until);
        }
        if (attempts > 0) properties[TaskTable.AttemptsProperty] = attempts.ToString(CultureInfo.InvariantCulture);
        return t with { State = state, Claim = claim, Attempts = attempts, Properties = properties };
    }

    private static DateTimeOffset Truncate(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, t.Offset);

    private string NextId()
    {
        string prefix = _options.IdPrefix;
        long max = 0;
        int width = 3; // the file's own zero padding wins: TASK-0001 is followed by TASK-0002
        foreach (TaskEntry e in Table.Entries.Concat(Table.Duplicates))
        {
            if (e.Id is { } id && id.StartsWith(prefix, StringComparison.Ordinal)
                && long.TryParse(id.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long n))
            {
                max = Math.Max(max, n);
                width = Math.Max(width, id.Length - prefix.Length);
            }
        }
        return prefix + (max + 1).ToString("D" + width, CultureInfo.InvariantCulture);
    }

    private int LastTopLevel()
    {
        OrgDocument doc = Table.Document;
        for (int i = doc.HeadlineCount - 1; i >= 0; i--)
        {
            if (doc.GetHeadline(i).Level == 1) return i;
        }
        return -1;
    }

    /// <summary>New tasks copy the indentation of the file's first property drawer, so they look like their neighbours.</summary>
    private string NewTaskIndent()
    {
        if (_options.Indentation == MetadataIndentation.None) return "";
        if (_options.Indentation == MetadataIndentation.Adapt) return "  ";
        ReadOnlySpan<byte> src = Table.Document.Source.Span;
        foreach (TaskEntry e in Table.Entries)
        {
            OrgReader reader = e.Headline.ReadFromHeadline();
            reader.Read();
            while (reader.Read() && reader.TokenKind is OrgTokenKind.Planning or OrgTokenKind.PropertyDrawerStart)
            {
                if (reader.TokenKind != OrgTokenKind.PropertyDrawerStart) continue;
                int p = reader.Token.Start;
                while (src[p] is (byte)' ' or (byte)'\t') p++;
                return Utf8Text.Decode(src[reader.Token.Start..p]);
            }
        }
        return "";
    }
}
