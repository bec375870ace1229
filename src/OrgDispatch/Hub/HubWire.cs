using System.Globalization;
using OrgDispatch.Lisp;
using OrgDispatch.Queue;
using OrgDispatch.Syntax;

namespace OrgDispatch.Hub;

/// <summary>
/// The queue's values as property lists on the wire, both ways: the hub writes them, the client
/// reads them back into the same .NET types. docs/protocol.md documents every key.
/// </summary>
internal static class HubWire
{
    public static SexpList Task(DispatchTask t) => Sexp.Plist(
        ("id", Sexp.String(t.Id)),
        ("title", Sexp.String(t.Title)),
        ("state", Sexp.String(t.State.ToSnakeCase())),
        ("priority", Sexp.StringOrNil(t.Priority?.ToString())),
        ("agents", Strings(t.Agents)),
        ("deadline", Sexp.StringOrNil(Timestamp(t.Deadline))),
        ("scheduled", Sexp.StringOrNil(Timestamp(t.Scheduled))),
        ("claimed-by", Sexp.StringOrNil(t.Claim?.Agent)),
        ("claimed-at", Sexp.StringOrNil(Instant(t.Claim?.ClaimedAt))),
        ("lease-expires", Sexp.StringOrNil(Instant(t.Claim?.LeaseExpires))),
        ("attempts", Sexp.Integer(t.Attempts)),
        ("blocked-by", Strings(t.BlockedBy)),
        ("body", Sexp.String(t.Body)),
        ("properties", Strings(t.Properties.SelectMany(p => new[] { p.Key, p.Value }))),
        ("line", Sexp.Integer(t.LineNumber)));

    public static DispatchTask ReadTask(SexpList p)
    {
        IReadOnlyList<string> props = p.GetStrings("properties");
        var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i + 1 < props.Count; i += 2) properties[props[i]] = props[i + 1];
        string? holder = p.GetString("claimed-by");
        return new DispatchTask
        {
            Id = Required(p, "id"),
            Title = p.GetString("title") ?? "",
            State = ReadState(Required(p, "state")),
            Priority = p.GetString("priority") is [char c] ? c : null,
            Agents = p.GetStrings("agents"),
            Deadline = ReadTimestamp(p.GetString("deadline")),
            Scheduled = ReadTimestamp(p.GetString("scheduled")),
            Claim = holder is null ? null : new DispatchClaim(holder, ReadInstant(p.GetString("claimed-at")), ReadInstant(p.GetString("lease-expires"))),
            Attempts = (int)(p.GetInteger("attempts") ?? 0),
            BlockedBy = p.GetStrings("blocked-by"),
            Body = p.GetString("body") ?? "",
            Properties = properties,
            LineNumber = (int)(p.GetInteger("line") ?? 0),
        };
    }

    public static SexpList Tasks(IEnumerable<DispatchTask> tasks) => new(tasks.Select(Task));

    public static IReadOnlyList<DispatchTask> ReadTasks(Sexp value) => AsList(value, "a list of tasks").Select(t => ReadTask(AsList(t, "a task"))).ToList();

    public static SexpList Claim(ClaimResult r) => Sexp.Plist(
        ("outcome", Sexp.String(r.Outcome.ToSnakeCase())),
        ("task", Task(r.Task)));

    public static ClaimResult ReadClaim(SexpList p) => new(
        Named<ClaimOutcome>(p.GetString("outcome"), TaskStateExtensions.ToSnakeCase, "claim outcome"),
        ReadTask(p.GetList("task") ?? throw new FormatException("A claim result has no :task.")));

    public static SexpList Activity(ActivityEntry e) => Sexp.Plist(
        ("timestamp", Sexp.StringOrNil(e.Timestamp)),
        ("agent", Sexp.StringOrNil(e.Agent)),
        ("message", Sexp.String(e.Message)),
        ("line", Sexp.Integer(e.Line)));

    public static ActivityEntry ReadActivity(SexpList p) =>
        new(p.GetString("timestamp"), p.GetString("agent"), p.GetString("message") ?? "", (int)(p.GetInteger("line") ?? 0));

    public static SexpList Status(DispatchStatus s) => Sexp.Plist(
        ("location", Sexp.String(s.Location)),
        ("reachable", Sexp.Bool(s.Reachable)),
        ("error", Sexp.StringOrNil(s.Error)),
        ("counts", Sexp.Plist(Enum.GetValues<TaskState>().Select(state => (state.ToSnakeCase(), (Sexp?)Sexp.Integer(s.Counts.GetValueOrDefault(state)))))),
        ("stale-claims", Tasks(s.StaleClaims)),
        ("problems", new SexpList(s.Problems.Select(p => Sexp.Plist(
            ("line", Sexp.Integer(p.Line)), ("task", Sexp.StringOrNil(p.TaskId)), ("kind", Sexp.String(p.Kind)), ("message", Sexp.String(p.Message)))))),
        ("activity", new SexpList(s.RecentActivity.Select(Activity))));

    public static DispatchStatus ReadStatus(SexpList p)
    {
        SexpList counts = p.GetList("counts") ?? Sexp.Nil;
        return new DispatchStatus
        {
            Location = p.GetString("location") ?? "",
            Reachable = p.GetBool("reachable"),
            Error = p.GetString("error"),
            Counts = Enum.GetValues<TaskState>().ToDictionary(s => s, s => (int)(counts.GetInteger(s.ToSnakeCase()) ?? 0)),
            StaleClaims = ReadTasks(p.Get("stale-claims") ?? Sexp.Nil),
            Problems = AsList(p.Get("problems") ?? Sexp.Nil, "a list of problems").Select(x => AsList(x, "a problem")).Select(x =>
                new DispatchProblem((int)(x.GetInteger("line") ?? 0), x.GetString("task"), x.GetString("kind") ?? "", x.GetString("message") ?? "")).ToList(),
            RecentActivity = AsList(p.Get("activity") ?? Sexp.Nil, "a list of entries").Select(x => ReadActivity(AsList(x, "an entry"))).ToList(),
        };
    }

    public static (string, Sexp?)[] NewTask(NewTask t) =>
    [
        ("title", Sexp.String(t.Title)),
        ("agents", Strings(t.Agents)),
        ("priority", Sexp.StringOrNil(t.Priority?.ToString())),
        ("deadline", Sexp.StringOrNil(t.Deadline?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))),
        ("blocked-by", Strings(t.BlockedBy)),
        ("body", Sexp.StringOrNil(t.Body)),
    ];

    public static NewTask ReadNewTask(SexpList p)
    {
        string? priority = p.GetString("priority");
        if (priority is { Length: not 1 }) throw new FormatException($":priority must be one character, not \"{priority}\".");
        string? deadline = p.GetString("deadline");
        return new NewTask
        {
            Title = Required(p, "title"),
            Agents = p.GetStrings("agents"),
            Priority = priority?[0],
            Deadline = deadline is null ? null
                : DateOnly.TryParseExact(deadline, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly d) ? d
                : throw new FormatException($":deadline must be a date like 2026-12-01, not \"{deadline}\"."),
            BlockedBy = p.GetStrings("blocked-by"),
            Body = p.GetString("body"),
        };
    }

    public static SexpList Event(DispatchEvent e) => Sexp.Plist(
        ("event", Sexp.String(e.Kind.ToSnakeCase())),
        ("task-id", Sexp.StringOrNil(e.TaskId)),
        ("agent", Sexp.StringOrNil(e.Agent)),
        ("task", e.Task is null ? null : Task(e.Task)),
        ("activity", e.Activity is null ? null : Activity(e.Activity)),
        ("note", Sexp.StringOrNil(e.Note)));

    public static DispatchEvent ReadEvent(SexpList p)
    {
        DispatchEventKind kind = Named<DispatchEventKind>(Required(p, "event"), TaskStateExtensions.ToSnakeCase, "event");
        SexpList? task = p.GetList("task"), activity = p.GetList("activity");
        return new DispatchEvent(kind, p.GetString("task-id"), p.GetString("agent"),
            task is { Count: > 0 } ? ReadTask(task) : null, activity is { Count: > 0 } ? ReadActivity(activity) : null, p.GetString("note"));
    }

    /// <summary>The error payload for an exception the queue (or a bad request) raised.</summary>
    /// <remarks>The code is the exception's own (<see cref="DispatchErrorCodes.Of"/>); the other keys carry
    /// what the client needs to raise the same exception type.</remarks>
    public static SexpList Error(Exception e)
    {
        string code = DispatchErrorCodes.Of(e);
        return e switch
        {
            WrongHolderException wh => ErrorPlist(code, e.Message, wh.TaskId, wh.State, wh.Move, ("agent", Sexp.String(wh.Agent)), ("holder", Sexp.StringOrNil(wh.Holder))),
            TaskBlockedException tb => ErrorPlist(code, e.Message, tb.TaskId, tb.State, tb.Move, ("waiting-for", Strings(tb.WaitingFor))),
            DispatchConflictException c => ErrorPlist(code, e.Message, c.TaskId, c.State, c.Move),
            DispatchException d => ErrorPlist(code, e.Message, d.TaskId),
            DispatchStoreException => ErrorPlist(code, e.Message, extra: ("transport", Sexp.T)),
            _ when code == DispatchErrorCodes.Internal => ErrorPlist(code, "The hub failed to handle the request: " + e.Message),
            _ => ErrorPlist(code, e.Message),
        };
    }

    /// <summary>The exception an error payload stands for, so a hub's errors look like a file's.</summary>
    public static Exception ReadError(SexpList p)
    {
        string code = p.GetString("code") ?? "internal";
        string message = p.GetString("message") ?? "The hub reported an error without a message.";
        string? task = p.GetString("task");
        TaskState? state = p.GetString("state") is { } s ? ReadState(s) : null;
        TaskMove? move = Enum.TryParse(p.GetString("move"), ignoreCase: true, out TaskMove m) ? m : null;
        if (p.GetBool("transport") || code == DispatchErrorCodes.Transport) return new DispatchStoreException(message, code: code);
        return code switch
        {
            DispatchErrorCodes.NotFound when task is not null => new TaskNotFoundException(task),
            DispatchErrorCodes.WrongHolder when task is not null && move is not null => new WrongHolderException(task, move.Value, p.GetString("agent") ?? "", p.GetString("holder")),
            DispatchErrorCodes.Blocked when task is not null => new TaskBlockedException(task, p.GetStrings("waiting-for")),
            DispatchErrorCodes.IllegalTransition when task is not null && state is not null && move is not null => new IllegalTransitionException(task, state.Value, move.Value),
            DispatchErrorCodes.BadRequest => new ArgumentException(message),
            _ => new HubRemoteException(code, message),
        };
    }

    private static SexpList ErrorPlist(string code, string message, string? task = null, TaskState? state = null, TaskMove? move = null,
        params (string, Sexp?)[] extra) =>
        Sexp.Plist(new (string, Sexp?)[]
        {
            ("code", Sexp.String(code)),
            ("message", Sexp.String(message)),
            ("task", Sexp.StringOrNil(task)),
            ("state", Sexp.StringOrNil(state?.ToSnakeCase())),
            ("move", Sexp.StringOrNil(move?.ToVerb())),
        }.Concat(extra));

    public static TaskState ReadState(string name) => Named<TaskState>(name, TaskStateExtensions.ToSnakeCase, "task state");

    // The value whose wire name is NAME: the one naming function, read backwards.
    private static T Named<T>(string? name, Func<T, string> nameOf, string what) where T : struct, Enum
    {
        foreach (T value in Enum.GetValues<T>())
        {
            if (nameOf(value) == name) return value;
        }
        throw new FormatException($"Unknown {what} \"{name}\".");
    }

    public static SexpList Strings(IEnumerable<string> values) => new(values.Select(v => (Sexp)Sexp.String(v)));

    public static SexpList AsList(Sexp value, string what) => value as SexpList ?? throw new FormatException($"Expected {what}, not {value}.");

    public static string Required(SexpList p, string key) =>
        p.GetString(key) is { Length: > 0 } v ? v : throw new FormatException($"The request needs :{key}.");

    /// <summary>A lease in seconds (<c>:lease 900</c>), or null.</summary>
    public static TimeSpan? ReadLease(SexpList p) => p.Get("lease") switch
    {
        null or { IsNil: true } => null,
        SexpInteger i => TimeSpan.FromSeconds(i.Value),
        SexpFloat f when double.IsFinite(f.Value) => TimeSpan.FromSeconds(f.Value),
        var other => throw new FormatException($":lease must be a number of seconds, not {other}."),
    };

    public static Sexp Lease(TimeSpan? lease) => lease is { } l ? Sexp.Integer((long)Math.Ceiling(l.TotalSeconds)) : Sexp.Nil;

    private static string? Timestamp(OrgTimestamp? ts) => ts is { IsValid: true } t ? t.ToIsoString() : null;

    private static OrgTimestamp? ReadTimestamp(string? text)
    {
        if (text is null) return null;
        string[] parts = text.Split('T');
        if (!DateOnly.TryParseExact(parts[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly date)) return null;
        TimeOnly? time = parts.Length > 1 && TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out TimeOnly t) ? t : null;
        return new OrgTimestamp { Kind = OrgTimestampKind.Active, Date = date, Time = time, EndDate = date };
    }

    private static string? Instant(DateTimeOffset? when) => when is { } w ? TaskTable.FormatInstant(w) : null;

    private static DateTimeOffset? ReadInstant(string? text) => TaskTable.ParseInstant(text);
}

/// <summary>An error the hub reported that has no more specific .NET exception (e.g. <c>unauthorized</c>,
/// <c>eval_disabled</c>, <c>unknown_op</c>).</summary>
/// <param name="code">The hub's error code (see docs/protocol.md).</param>
/// <param name="message">The hub's message.</param>
public sealed class HubRemoteException(string code, string message) : Exception(message), IDispatchError
{
    /// <summary>The hub's error code.</summary>
    public string Code { get; } = code;
}

/// <summary>A request the hub refuses with a specific error code.</summary>
internal sealed class HubRequestException(string code, string message) : Exception(message), IDispatchError
{
    public string Code { get; } = code;
}
