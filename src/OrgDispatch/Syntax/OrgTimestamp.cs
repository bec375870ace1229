using System.Globalization;

namespace OrgDispatch.Syntax;

/// <summary>What kind of Org timestamp a text is.</summary>
public enum OrgTimestampKind : byte
{
    /// <summary>Not a timestamp Org can read.</summary>
    Invalid = 0,
    /// <summary><c>&lt;2026-11-21 Sat&gt;</c>: shows in the agenda.</summary>
    Active,
    /// <summary><c>[2026-11-21 Sat]</c>: a record only.</summary>
    Inactive,
    /// <summary>An active date range (<c>&lt;…&gt;--&lt;…&gt;</c>) or time range (<c>&lt;… 10:00-11:00&gt;</c>).</summary>
    ActiveRange,
    /// <summary>An inactive date or time range.</summary>
    InactiveRange,
    /// <summary>A diary sexp, <c>&lt;%%(diary-float t 4 2)&gt;</c>.</summary>
    Diary,
}

/// <summary>How a repeater moves a timestamp on.</summary>
public enum OrgRepeaterKind : byte
{
    /// <summary>No repeater.</summary>
    None = 0,
    /// <summary><c>+1w</c>: by one interval.</summary>
    Cumulate,
    /// <summary><c>++1w</c>: by whole intervals until in the future.</summary>
    CatchUp,
    /// <summary><c>.+1w</c>: one interval from today.</summary>
    Restart,
}

/// <summary>An Org timestamp parsed into its parts: kind, start and end date and time, repeater
/// and warning delay. An unreadable text yields <see cref="OrgTimestampKind.Invalid"/>; parsing
/// never throws.</summary>
/// <remarks>An immutable value; parsing allocates nothing. Thread-safe.</remarks>
public readonly record struct OrgTimestamp
{
    /// <summary>The kind, or <see cref="OrgTimestampKind.Invalid"/>.</summary>
    public OrgTimestampKind Kind { get; init; }
    /// <summary>Whether the text was a timestamp Org can read.</summary>
    public bool IsValid => Kind != OrgTimestampKind.Invalid;
    /// <summary>Whether it is active (angle brackets).</summary>
    public bool IsActive => Kind is OrgTimestampKind.Active or OrgTimestampKind.ActiveRange or OrgTimestampKind.Diary;
    /// <summary>The start date.</summary>
    public DateOnly Date { get; init; }
    /// <summary>The start time, when written.</summary>
    public TimeOnly? Time { get; init; }
    /// <summary>The end date: the second stamp of a date range, else <see cref="Date"/>.</summary>
    public DateOnly EndDate { get; init; }
    /// <summary>The end time of a time range (<c>10:00-11:30</c>) or of a date range's second stamp.</summary>
    public TimeOnly? EndTime { get; init; }
    /// <summary>The repeater's kind.</summary>
    public OrgRepeaterKind Repeater { get; init; }
    /// <summary>The repeater's interval count.</summary>
    public int RepeaterValue { get; init; }
    /// <summary>The repeater's unit: <c>h d w m y</c>, or <c>'\0'</c>.</summary>
    public char RepeaterUnit { get; init; }
    /// <summary>The warning delay's count (<c>-2d</c>), or 0.</summary>
    public int WarningValue { get; init; }
    /// <summary>The warning delay's unit, or <c>'\0'</c>.</summary>
    public char WarningUnit { get; init; }
    /// <summary>Whether the warning applies to the first occurrence only (<c>--2d</c>).</summary>
    public bool WarningFirstOnly { get; init; }
    /// <summary>The start as a date and time (midnight when no time is written).</summary>
    public DateTime Start => Date.ToDateTime(Time ?? TimeOnly.MinValue);

    /// <summary>The start in ISO 8601, local as written: <c>2026-12-01</c>, or <c>2026-12-01T10:00</c> with a time.</summary>
    /// <exception cref="InvalidOperationException">The timestamp is not <see cref="IsValid"/>.</exception>
    public string ToIsoString()
    {
        if (!IsValid) throw new InvalidOperationException("An unreadable timestamp has no ISO form.");
        string date = Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return Time is { } t ? date + "T" + t.ToString("HH:mm", CultureInfo.InvariantCulture) : date;
    }

    /// <summary>Parses a timestamp such as <c>&lt;2026-04-15 Wed 10:00 +1w -2d&gt;</c> or a
    /// range <c>[2026-01-01 Thu]--[2026-01-03 Sat]</c>.</summary>
    /// <param name="text">The timestamp's text; surrounding blanks are ignored.</param>
    public static OrgTimestamp Parse(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (text.Length < 2) return default;
        char open = text[0];
        if (open is not ('<' or '[')) return default;
        int close = text.IndexOfAny(']', '>');
        if (close < 0) return default;
        ReadOnlySpan<char> first = text[1..close];
        ReadOnlySpan<char> rest = text[(close + 1)..];
        if (first.StartsWith("%%"))
        {
            return rest.IsEmpty && first.Length > 2 ? new OrgTimestamp { Kind = OrgTimestampKind.Diary } : default;
        }

        if (!TryParseInner(first, out OrgTimestamp ts)) return default;
        bool active = open == '<';
        bool range = ts.EndTime.HasValue && ts.Time.HasValue && ts.EndTime != ts.Time;
        DateOnly endDate = ts.Date;
        TimeOnly? endTime = ts.EndTime ?? ts.Time;
        if (!rest.IsEmpty)
        {
            if (!rest.StartsWith("--") || rest.Length < 4 || rest[2] is not ('<' or '[')) return default;
            int close2 = rest[3..].IndexOfAny(']', '>');
            if (close2 < 0 || close2 + 4 != rest.Length) return default;
            if (!TryParseInner(rest[3..^1], out OrgTimestamp end)) return default;
            endDate = end.Date;
            endTime = end.Time;
            range = true;
        }
        return ts with
        {
            Kind = active ? (range ? OrgTimestampKind.ActiveRange : OrgTimestampKind.Active)
                          : (range ? OrgTimestampKind.InactiveRange : OrgTimestampKind.Inactive),
            EndDate = endDate,
            EndTime = endTime,
        };
    }

    // "2026-04-15 Wed 10:00-11:00 +1w -2d"
    private static bool TryParseInner(ReadOnlySpan<char> s, out OrgTimestamp ts)
    {
        ts = default;
        if (s.Length < 10 || s[4] != '-' || s[7] != '-') return false;
        if (!int.TryParse(s[..4], NumberStyles.None, CultureInfo.InvariantCulture, out int y)
            || !int.TryParse(s[5..7], NumberStyles.None, CultureInfo.InvariantCulture, out int mo)
            || !int.TryParse(s[8..10], NumberStyles.None, CultureInfo.InvariantCulture, out int d)
            || y < 1 || mo is < 1 or > 12 || d < 1 || d > DateTime.DaysInMonth(y, mo))
        {
            return false;
        }
        var result = new OrgTimestamp { Date = new DateOnly(y, mo, d) };
        ReadOnlySpan<char> rest = s[10..];
        while (!rest.IsEmpty)
        {
            rest = rest.TrimStart(' ');
            if (rest.IsEmpty) break;
            int sp = rest.IndexOf(' ');
            ReadOnlySpan<char> word = sp < 0 ? rest : rest[..sp];
            rest = sp < 0 ? default : rest[sp..];
            if (char.IsDigit(word[0]))
            {
                if (!TryParseTimeRange(word, ref result)) return false;
            }
            else if (word[0] is '+' or '.')
            {
                OrgRepeaterKind kind = word.StartsWith("++") ? OrgRepeaterKind.CatchUp
                    : word.StartsWith(".+") ? OrgRepeaterKind.Restart
                    : word[0] == '+' ? OrgRepeaterKind.Cumulate : OrgRepeaterKind.None;
                int skip = kind == OrgRepeaterKind.Cumulate ? 1 : 2;
                if (kind == OrgRepeaterKind.None || !TryInterval(word[skip..], out int v, out char u)) return false;
                result = result with { Repeater = kind, RepeaterValue = v, RepeaterUnit = u };
            }
            else if (word[0] == '-')
            {
                bool firstOnly = word.StartsWith("--");
                if (!TryInterval(word[(firstOnly ? 2 : 1)..], out int v, out char u)) return false;
                result = result with { WarningValue = v, WarningUnit = u, WarningFirstOnly = firstOnly };
            }
            else if (!char.IsLetter(word[0]))
            {
                return false; // day names are letters; anything else is not a timestamp part
            }
        }
        ts = result;
        return true;
    }

    private static bool TryParseTimeRange(ReadOnlySpan<char> word, ref OrgTimestamp ts)
    {
        int dash = word.IndexOf('-');
        if (!TryTime(dash < 0 ? word : word[..dash], out TimeOnly start)) return false;
        ts = ts with { Time = start };
        if (dash >= 0)
        {
            if (!TryTime(word[(dash + 1)..], out TimeOnly end)) return false;
            ts = ts with { EndTime = end };
        }
        return true;
    }

    private static bool TryTime(ReadOnlySpan<char> s, out TimeOnly t)
    {
        t = default;
        int colon = s.IndexOf(':');
        if (colon is < 1 or > 2 || s.Length - colon != 3) return false;
        if (!int.TryParse(s[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            || !int.TryParse(s[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int m)
            || h > 24 || m > 59)
        {
            return false;
        }
        t = h == 24 ? new TimeOnly(23, 59, 59) : new TimeOnly(h, m);
        return true;
    }

    private static bool TryInterval(ReadOnlySpan<char> s, out int value, out char unit)
    {
        value = 0;
        unit = '\0';
        if (s.Length < 2 || s[^1] is not ('h' or 'd' or 'w' or 'm' or 'y')) return false;
        unit = s[^1];
        return int.TryParse(s[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
