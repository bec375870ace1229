using System.Globalization;
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

    private TaskTable(OrgDocument document, DispatchOptions options)
    {
        Document = document;
        Options = options;
        DispatchKeywords keywords = options.Keywords;
        foreach (OrgHeadline h in document.Headlines)
        {
            string? keyword = h.TodoKeyword;
            if (keyword is null)
            {
                if (Activity is null && h.Level == 1 && h.Title == options.ActivityHeadline) Activity = h;
                continue;
            }
            if (!keywords.TryGetState(keyword, out TaskState state)) continue;
            string? id = h.GetProperty(IdProperty)?.Trim();
            if (id?.Length == 0) id = null;
            var entry = new TaskEntry(h, state, id);
            if (id != null && !_byId.TryAdd(id, Entries.Count)) Duplicates.Add(entry);
            Entries.Add(entry);
        }
    }

    public OrgDocument Document { get; }
    public DispatchOptions Options { get; }
    public List<TaskEntry> Entries { get; } = [];
    public List<TaskEntry> Duplicates { get; } = [];
    public OrgHeadline? Activity { get; }

    public static TaskTable Build(OrgDocument document, DispatchOptions options) => new(document, options);

    public bool TryFind(string id, out TaskEntry entry)
    {
        if (_byId.TryGetValue(id, out int i)) { entry = Entries[i]; return true; }
        entry = default;
        return false;
    }

    public TaskEntry Find(string id) => TryFind(id, out TaskEntry e) ? e : throw new TaskNotFoundException(id);

    /// <summary>The ids in <paramref name="task"/>'s BLOCKED_BY that are not done (unknown ids included).</summary>
    public List<string> WaitingFor(DispatchTask task)
    {
        var waiting = new List<string>();
        foreach (string id in task.BlockedBy)
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
            Priority = h.Priority is [char p] ? p : null,
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

    private IReadOnlyList<string> InheritedTags(OrgHeadline h)
    {
        var chain = new List<OrgHeadline>();
        for (OrgHeadline? p = h; p is { } q; p = q.Parent) chain.Add(q);
        var tags = new List<string>();
        foreach (string t in Document.Settings.FileTags) AddTag(t);
        for (int i = chain.Count - 1; i >= 0; i--)
        {
            foreach (string t in chain[i].Tags) AddTag(t);
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

/// <summary>A task's headline, state and id, as found when the table was built.</summary>
internal readonly record struct TaskEntry(OrgHeadline Headline, TaskState State, string? Id);
