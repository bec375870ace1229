using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using OrgDispatch.Document;
using OrgDispatch.Syntax;
using OrgDispatch.Text;

namespace OrgDispatch.Queue;

/// <summary>The tasks of one document: which headlines they are, their states and ids. Reading a
/// whole <see cref="DispatchTask"/> is deferred to <see cref="Read"/>, so a claim on a
/// 10,000-task file only materialises the tasks it looks at.</summary>
internal sealed class TaskTable
{
    public const string IdProperty = "ID";
    public const string ClaimedByProperty = "CLAIMED_BY";
    public const string ClaimedAtProperty = "CLAIMED_AT";
    public const string LeaseExpiresProperty = "LEASE_EXPIRES";
    public const string AttemptsProperty = "ATTEMPTS";
    public const string BlockedByProperty = "BLOCKED_BY";

    private readonly Dictionary<string, int> _byId = new(StringComparer.Ordinal);
    private readonly List<TaskEntry> _entries = [];
    // Entries whose id an earlier entry already has (indices into Entries).
    private readonly List<int> _duplicates = [];
    // Each headline's own tags, split once here (poll asks for every pending task's), or null.
    private readonly string[]?[] _ownTags;

    // The tables of documents still in use: a store keeps its document between changes, and the
    // table of the next document is then brought up to date from this one (see For).
    private static readonly ConditionalWeakTable<OrgDocument, TaskTable> Kept = new();

    private readonly byte[][] _keywords;
    private readonly byte[] _activityTitle;

    /// <summary>Reads every headline's line and the metadata right after it (planning line and
    /// property drawer) for keyword, priority, tags and the few properties the queue decides on,
    /// without reading bodies or materialising anything else.</summary>
    private TaskTable(OrgDocument document, DispatchOptions options)
    {
        Document = document;
        Options = options;
        _keywords = Enum.GetValues<TaskState>().Select(st => Encoding.UTF8.GetBytes(options.Keywords.Of(st))).ToArray();
        _activityTitle = Encoding.UTF8.GetBytes(options.ActivityHeadline);
        _ownTags = new string[]?[document.HeadlineCount];
        for (int index = 0; index < document.HeadlineCount; index++)
        {
            TaskEntry? entry = ReadHeadline(index, out _ownTags[index], out bool activity);
            if (entry is { } e) _entries.Add(e);
            else if (activity && Activity is null) Activity = document.GetHeadline(index);
        }
        IndexIds();
    }

    // The table of DOCUMENT made from PREVIOUS's: headlines outside the lineage's windows keep their
    // entries (moved to their new place), those inside are read again.
    private TaskTable(TaskTable previous, OrgDocument document, OrgDocumentLineage lineage)
    {
        Document = document;
        Options = previous.Options;
        _keywords = previous._keywords;
        _activityTitle = previous._activityTitle;
        _ownTags = new string[]?[document.HeadlineCount];
        OrgDocument old = previous.Document;
        // Which entry each old headline has, if it is a task.
        _entries.Capacity = previous.Entries.Count + 4;
        int[] entryOf = new int[old.HeadlineCount];
        Array.Fill(entryOf, -1);
        for (int i = 0; i < previous.Entries.Count; i++) entryOf[previous.Entries[i].Headline.Index] = i;
        int? activity = null;
        // Where the activity headline was, if it was read again: then a headline after it that was
        // not the first of its kind before may be now.
        int? lostAfter = null;
        bool sameTasks = true;
        int oldIndex = 0, newIndex = 0;
        foreach (OrgDocumentLineage.Window w in lineage.Windows)
        {
            for (; oldIndex < w.OldFirst; oldIndex++, newIndex++) Keep(oldIndex, newIndex);
            sameTasks &= w.OldCount == w.NewCount;
            for (int n = 0; n < w.NewCount; n++, newIndex++)
            {
                TaskEntry? entry = ReadHeadline(newIndex, out _ownTags[newIndex], out bool isActivity);
                if (entry is { } e) _entries.Add(e);
                else if (isActivity) activity ??= newIndex;
                int was = n < w.OldCount ? entryOf[w.OldFirst + n] : -1;
                sameTasks &= was < 0 ? entry is null : entry is { } now && now.Id == previous.Entries[was].Id;
            }
            if (previous.Activity is { } a && a.Index >= w.OldFirst && a.Index < w.OldFirst + w.OldCount) lostAfter = newIndex;
            oldIndex = w.OldFirst + w.OldCount;
        }
        for (; oldIndex < old.HeadlineCount; oldIndex++, newIndex++) Keep(oldIndex, newIndex);
        // Found at or before where it was: the first (nothing kept before it was one). Else look on.
        if (lostAfter is int from && (activity is not int found0 || found0 >= from)) activity = FirstActivityFrom(from);
        Activity = activity is int found ? document.GetHeadline(found) : null;
        if (sameTasks)
        {
            // The same ids at the same places: the index still holds (no table changes it once built).
            _byId = previous._byId;
            _duplicates = previous._duplicates;
        }
        else
        {
            IndexIds();
        }

        void Keep(int from, int to)
        {
            _ownTags[to] = previous._ownTags[from];
            if (entryOf[from] is int e and >= 0)
            {
                TaskEntry entry = previous.Entries[e];
                OrgHeadline moved = document.GetHeadline(to);
                int shift = moved.Start - entry.Headline.Start;
                _entries.Add(entry with
                {
                    Headline = moved,
                    PlanningLine = entry.PlanningLine is var (ps, pe) ? (ps + shift, pe + shift) : null,
                });
            }
            else if (previous.Activity is { } a && a.Index == from)
            {
                activity ??= to;
            }
        }
    }

    /// <summary>The task table of <paramref name="document"/>: kept with the document, and, for a
    /// document made by applying edits to one whose table is kept, brought up to date from that one.</summary>
    public static TaskTable For(OrgDocument document, DispatchOptions options)
    {
        if (Kept.TryGetValue(document, out TaskTable? kept) && kept.Options.Equals(options)) return kept;
        TaskTable table = document.Lineage is { } lineage && Kept.TryGetValue(lineage.Previous, out TaskTable? previous) && previous.Options.Equals(options)
            ? new TaskTable(previous, document, lineage)
            : new TaskTable(document, options);
        document.Lineage = null;
        Kept.AddOrUpdate(document, table);
        return table;
    }

    // The first headline from FROM on that can be the activity headline (level 1, no keyword, its title).
    private int? FirstActivityFrom(int from)
    {
        ReadOnlySpan<byte> src = Document.Source.Span;
        for (int i = from; i < Document.HeadlineCount; i++)
        {
            OrgHeadline h = Document.GetHeadline(i);
            if (h.Level == 1 && IsActivity(h, h.Token, src)) return i;
        }
        return null;
    }

    private void IndexIds()
    {
        for (int i = 0; i < Entries.Count; i++)
        {
            TaskEntry e = Entries[i];
            if (e.Id != null && !_byId.TryAdd(e.Id, i)) _duplicates.Add(i);
        }
    }

    // The activity headline: level 1, no keyword, the activity title.
    private bool IsActivity(OrgHeadline headline, OrgToken line, ReadOnlySpan<byte> src) =>
        !line.TodoKeyword.IsPresent && headline.Level == 1 && line.Title.Of(src).SequenceEqual(_activityTitle);

    // One headline's line and the metadata after it: the task it is (if any), its own tags, and
    // whether it could be the activity headline.
    private TaskEntry? ReadHeadline(int index, out string[]? tags, out bool activity)
    {
        ReadOnlySpan<byte> src = Document.Source.Span;
        OrgHeadline headline = Document.GetHeadline(index);
        OrgReader reader = headline.ReadFromHeadline();
        reader.Read();
        OrgToken t = reader.Token;
        tags = t.Tags.IsPresent ? Utf8Text.Decode(t.Tags.Of(src)).Split(':', StringSplitOptions.RemoveEmptyEntries) : null;
        int state = t.TodoKeyword.IsPresent ? IndexOf(_keywords, t.TodoKeyword.Of(src)) : -1;
        activity = state < 0 && IsActivity(headline, t, src);
        if (state < 0) return null;
        var entry = new TaskEntry(headline, (TaskState)state, null)
        {
            Priority = t.Priority.IsPresent && Utf8Text.Decode(t.Priority.Of(src)) is [char p] ? p : null,
        };
        while (reader.Read())
        {
            t = reader.Token;
            switch (t.Kind)
            {
                case OrgTokenKind.Planning:
                    entry = entry with { PlanningLine = (t.Start, t.LineEnd) };
                    continue;
                case OrgTokenKind.PropertyDrawerStart:
                    continue;
                case OrgTokenKind.Property:
                    ReadOnlySpan<byte> name = t.Name.Of(src);
                    // Last one wins, as Org reads a repeated property.
                    if (Ascii.EqualsIgnoreCase(name, "ID"u8)) entry = entry with { Id = Trimmed(t.Value.Of(src)) };
                    else if (Ascii.EqualsIgnoreCase(name, "BLOCKED_BY"u8)) entry = entry with { BlockedBy = Trimmed(t.Value.Of(src)) };
                    else if (Ascii.EqualsIgnoreCase(name, "LEASE_EXPIRES"u8)) entry = entry with { LeaseExpires = Trimmed(t.Value.Of(src)) };
                    continue;
            }
            break;
        }
        return entry;
    }

    private static int IndexOf(byte[][] keywords, ReadOnlySpan<byte> keyword)
    {
        for (int i = 0; i < keywords.Length; i++)
        {
            if (keyword.SequenceEqual(keywords[i])) return i;
        }
        return -1;
    }

    private static string? Trimmed(ReadOnlySpan<byte> value)
    {
        value = value.Trim(" \t\r\n"u8);
        return value.IsEmpty ? null : Utf8Text.Decode(value);
    }

    public OrgDocument Document { get; }
    public DispatchOptions Options { get; }
    /// <summary>The tasks in document order. Shared by everyone holding the table: never changed once built.</summary>
    public IReadOnlyList<TaskEntry> Entries => _entries;
    /// <summary>Tasks whose id an earlier task already has.</summary>
    public IEnumerable<TaskEntry> Duplicates => _duplicates.Select(i => Entries[i]);
    public OrgHeadline? Activity { get; }

    /// <summary>A table read afresh from the whole document (no kept table used or kept).</summary>
    public static TaskTable Build(OrgDocument document, DispatchOptions options) => new(document, options);

    public bool TryFind(string id, out TaskEntry entry)
    {
        if (_byId.TryGetValue(id, out int i)) { entry = Entries[i]; return true; }
        entry = default;
        return false;
    }

    public TaskEntry Find(string id) => TryFind(id, out TaskEntry e) ? e : throw new TaskNotFoundException(id);

    /// <summary>The ids in the task's BLOCKED_BY that are not done (unknown ids included).</summary>
    public List<string> WaitingFor(TaskEntry task)
    {
        var waiting = new List<string>();
        foreach (string id in SplitIds(task.BlockedBy))
        {
            if (!TryFind(id, out TaskEntry blocker) || blocker.State != TaskState.Done) waiting.Add(id);
        }
        return waiting;
    }

    public DispatchTask Read(TaskEntry entry)
    {
        OrgHeadline h = entry.Headline;
        var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in h.Properties) properties[name] = value;
        OrgPlanning planning = h.Planning;
        string? holder = Get(properties, ClaimedByProperty);
        return new DispatchTask
        {
            Id = entry.Id ?? "",
            Title = h.Title,
            State = entry.State,
            Priority = entry.Priority,
            Agents = InheritedTags(h),
            Deadline = Timestamp(planning.Deadline),
            Scheduled = Timestamp(planning.Scheduled),
            Claim = entry.State == TaskState.InProgress && holder != null
                ? new DispatchClaim(holder, ParseInstant(Get(properties, ClaimedAtProperty)), ParseInstant(Get(properties, LeaseExpiresProperty)))
                : null,
            Attempts = int.TryParse(Get(properties, AttemptsProperty), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 0,
            BlockedBy = SplitIds(Get(properties, BlockedByProperty)),
            Body = Body(h),
            Properties = properties,
            LineNumber = h.LineNumber,
        };

        OrgTimestamp? Timestamp(TextRange range) =>
            range.IsPresent ? OrgTimestamp.Parse(Utf8Text.Decode(range.Of(Document.Source.Span))) : null;
    }

    public static string? Get(IReadOnlyDictionary<string, string> properties, string name) =>
        properties.TryGetValue(name, out string? v) && v.Trim() is { Length: > 0 } t ? t : null;

    public static string[] SplitIds(string? value) =>
        value is null ? [] : value.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Claim times and leases are ISO 8601 instants in UTC, to the second.</summary>
    public static string FormatInstant(DateTimeOffset when) =>
        when.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseInstant(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset t) ? t : null;

    /// <summary>Whether the task is for <paramref name="agent"/> (see <see cref="DispatchTask.IsFor"/>), without reading the task.</summary>
    public bool IsFor(TaskEntry task, string agent)
    {
        bool any = Document.Settings.FileTags.Count > 0;
        if (Document.Settings.FileTags.Contains(agent)) return true;
        for (OrgHeadline? p = task.Headline; p is { } q; p = q.Parent)
        {
            if (_ownTags[q.Index] is not { } tags) continue;
            if (tags.Contains(agent)) return true;
            any |= tags.Length > 0;
        }
        return !any;
    }

    /// <summary>The deadline's start, or null, reading only the planning line.</summary>
    public DateTime? Deadline(TaskEntry task)
    {
        if (task.PlanningLine is not var (start, end)) return null;
        OrgPlanning p = OrgPlanning.Parse(Document.Source.Span, start, end);
        if (!p.Deadline.IsPresent) return null;
        OrgTimestamp ts = OrgTimestamp.Parse(Utf8Text.Decode(p.Deadline.Of(Document.Source.Span)));
        return ts.IsValid ? ts.Start : null;
    }

    private List<string> InheritedTags(OrgHeadline h)
    {
        var chain = new List<OrgHeadline>();
        for (OrgHeadline? p = h; p is { } q; p = q.Parent) chain.Add(q);
        var tags = new List<string>();
        foreach (string t in Document.Settings.FileTags) AddTag(t);
        for (int i = chain.Count - 1; i >= 0; i--)
        {
            foreach (string t in _ownTags[chain[i].Index] ?? []) AddTag(t);
        }
        return tags;

        void AddTag(string t)
        {
            if (t.Length > 0 && !tags.Contains(t)) tags.Add(t);
        }
    }

    private string Body(OrgHeadline h)
    {
        ReadOnlySpan<byte> src = Document.Source.Span;
        OrgReader reader = h.ReadFromHeadline();
        reader.Read();
        var parts = new List<(int Start, int End)>();
        bool metadata = true, inLogbook = false;
        while (reader.Read())
        {
            OrgToken t = reader.Token;
            if (metadata && t.Kind is OrgTokenKind.Planning or OrgTokenKind.PropertyDrawerStart or OrgTokenKind.Property or OrgTokenKind.PropertyDrawerEnd)
            {
                continue;
            }
            metadata = false;
            if (t.Kind == OrgTokenKind.DrawerStart && reader.Depth == 1 && Ascii.EqualsIgnoreCase(t.Name.Of(src), "LOGBOOK"u8)) inLogbook = true;
            bool skip = inLogbook;
            if (inLogbook && t.Kind == OrgTokenKind.DrawerEnd && reader.Depth == 0) inLogbook = false;
            if (skip) continue;
            if (parts.Count > 0 && parts[^1].End == t.Start) parts[^1] = (parts[^1].Start, t.End);
            else parts.Add((t.Start, t.End));
        }
        var text = new StringBuilder();
        foreach (var (start, end) in parts) text.Append(Utf8Text.Decode(src[start..end]));
        return text.ToString().Trim('\n', '\r', ' ', '\t');
    }
}

/// <summary>A task's headline, state, id and the few values the queue decides on, as found when the table was built.</summary>
internal readonly record struct TaskEntry(OrgHeadline Headline, TaskState State, string? Id)
{
    public char? Priority { get; init; }
    public string? BlockedBy { get; init; }
    public string? LeaseExpires { get; init; }
    public (int Start, int End)? PlanningLine { get; init; }
}
