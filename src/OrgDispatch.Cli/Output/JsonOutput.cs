using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using OrgDispatch.Queue;
using OrgDispatch.Syntax;

namespace OrgDispatch.Cli.Output;

/// <summary>The JSON shapes of docs/cli.md. Field names are snake_case and stable; new fields may be added.</summary>
internal static class JsonOutput
{
    /// <summary>Writes one object: <paramref name="body"/> writes its members.</summary>
    public static void Write(TextWriter output, Action<Utf8JsonWriter> body) => WriteDocument(output, w =>
    {
        w.WriteStartObject();
        body(w);
        w.WriteEndObject();
    });

    /// <summary>Writes one object on one line (JSON Lines), for streams such as <c>watch --json</c>.</summary>
    public static void WriteLine(TextWriter output, Action<Utf8JsonWriter> body) => WriteDocument(output, w =>
    {
        w.WriteStartObject();
        body(w);
        w.WriteEndObject();
    }, indented: false);

    /// <summary>Writes one JSON document, indented, non-ASCII as is; <paramref name="root"/> writes the root value.</summary>
    public static void WriteDocument(TextWriter output, Action<Utf8JsonWriter> root, bool indented = true)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            root(w);
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length));
    }

    /// <summary>An event's members: <c>event</c>, <c>task_id</c>, <c>agent</c>, <c>note</c>, <c>task</c>, <c>activity</c>.</summary>
    public static void Event(Utf8JsonWriter w, DispatchEvent e)
    {
        w.WriteString("event", e.Kind.ToSnakeCase());
        w.WriteString("task_id", e.TaskId);
        w.WriteString("agent", e.Agent);
        w.WriteString("note", e.Note);
        Task(w, "task", e.Task);
        if (e.Activity is { } a)
        {
            w.WritePropertyName("activity");
            Activity(w, a);
        }
        else
        {
            w.WriteNull("activity");
        }
    }

    public static void Task(Utf8JsonWriter w, string name, DispatchTask? task)
    {
        w.WritePropertyName(name);
        Task(w, task);
    }

    public static void Task(Utf8JsonWriter w, DispatchTask? t)
    {
        if (t is null)
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartObject();
        w.WriteString("id", t.Id);
        w.WriteString("title", t.Title);
        w.WriteString("state", t.State.ToSnakeCase());
        if (t.Priority is { } p) w.WriteString("priority", p.ToString()); else w.WriteNull("priority");
        Strings(w, "agents", t.Agents);
        Timestamp(w, "deadline", t.Deadline);
        Timestamp(w, "scheduled", t.Scheduled);
        if (t.Claim is { } c)
        {
            w.WriteStartObject("claim");
            w.WriteString("agent", c.Agent);
            Instant(w, "claimed_at", c.ClaimedAt);
            Instant(w, "lease_expires", c.LeaseExpires);
            w.WriteEndObject();
        }
        else w.WriteNull("claim");
        w.WriteNumber("attempts", t.Attempts);
        Strings(w, "blocked_by", t.BlockedBy);
        w.WriteNumber("line", t.LineNumber);
        w.WriteString("body", t.Body);
        w.WriteStartObject("properties");
        foreach (var (k, v) in t.Properties) w.WriteString(k, v);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public static void Tasks(Utf8JsonWriter w, string name, IEnumerable<DispatchTask> tasks)
    {
        w.WriteStartArray(name);
        foreach (DispatchTask t in tasks) Task(w, t);
        w.WriteEndArray();
    }

    public static void Activity(Utf8JsonWriter w, ActivityEntry e)
    {
        w.WriteStartObject();
        w.WriteString("timestamp", e.Timestamp);
        w.WriteString("agent", e.Agent);
        w.WriteString("message", e.Message);
        w.WriteNumber("line", e.Line);
        w.WriteEndObject();
    }

    public static void Status(Utf8JsonWriter w, DispatchStatus s)
    {
        w.WriteString("location", s.Location);
        w.WriteBoolean("reachable", s.Reachable);
        w.WriteString("error", s.Error);
        w.WriteStartObject("counts");
        foreach (TaskState state in Enum.GetValues<TaskState>()) w.WriteNumber(state.ToSnakeCase(), s.Counts.GetValueOrDefault(state));
        w.WriteEndObject();
        Tasks(w, "stale_claims", s.StaleClaims);
        w.WriteStartArray("problems");
        foreach (DispatchProblem p in s.Problems)
        {
            w.WriteStartObject();
            w.WriteNumber("line", p.Line);
            w.WriteString("task_id", p.TaskId);
            w.WriteString("kind", p.Kind);
            w.WriteString("message", p.Message);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("recent_activity");
        foreach (ActivityEntry e in s.RecentActivity) Activity(w, e);
        w.WriteEndArray();
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (string v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    // ISO 8601: a date, or a local date and time ("2026-12-01" or "2026-12-01T10:00").
    private static void Timestamp(Utf8JsonWriter w, string name, OrgTimestamp? ts)
    {
        if (ts is { IsValid: true } t) w.WriteString(name, t.ToIsoString());
        else w.WriteNull(name);
    }

    private static void Instant(Utf8JsonWriter w, string name, DateTimeOffset? when)
    {
        if (when is { } v) w.WriteString(name, v.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        else w.WriteNull(name);
    }
}
