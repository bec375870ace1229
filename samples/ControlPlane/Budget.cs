using System.Globalization;
using System.Text.RegularExpressions;
using OrgDispatch.Queue;

namespace ControlPlane;

/// <summary>The token budget, counted from the dispatch file's activity log: every event an agent
/// reports is logged there with its <c>tokens_used=N</c>, so the count survives restarts, is the
/// same for every control plane on the file, and a person can read it in Emacs.</summary>
public static partial class Budget
{
    /// <summary>The text every logged event ends with (also with 0, so an agent's own text can never
    /// pass for the count: only the last one on the line is read).</summary>
    public static string Suffix(long tokensUsed) => " tokens_used=" + tokensUsed.ToString(CultureInfo.InvariantCulture);

    /// <summary>Tokens spent on <paramref name="today"/> (the activity log's local dates), per agent.</summary>
    public static Dictionary<string, long> SpentOn(IEnumerable<ActivityEntry> log, DateOnly today)
    {
        string day = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var spent = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (ActivityEntry e in log)
        {
            if (e.Agent is null || e.Timestamp is null || !e.Timestamp.StartsWith(day, StringComparison.Ordinal)) continue;
            Match m = TokensUsed().Match(e.Message);
            if (!m.Success || !long.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out long n)) continue;
            spent[e.Agent] = Add(spent.GetValueOrDefault(e.Agent), n);
        }
        return spent;
    }

    /// <summary>The body of <c>GET /api/controlplane/state</c>.</summary>
    public static object State(Roster roster, IReadOnlyDictionary<string, long> spent, DateTimeOffset now)
    {
        long total = spent.Values.Aggregate(0L, Add);
        return new
        {
            agents = roster.Agents.Select(a => new
            {
                id = a.Id,
                role = a.Role,
                heartbeat_enabled = a.HeartbeatEnabled,
                daily_tokens = a.DailyTokens,
                spent_today = spent.GetValueOrDefault(a.Id),
            }),
            budget = new
            {
                daily_tokens = roster.DailyTokens,
                spent_today = total,
                remaining = Math.Max(0, roster.DailyTokens - total),
                hard_limit_exceeded = total >= roster.DailyTokens,
                allocation = roster.Agents.ToDictionary(a => a.Id, a => new
                {
                    daily_tokens = a.DailyTokens,
                    spent_today = spent.GetValueOrDefault(a.Id),
                    remaining = Math.Max(0, a.DailyTokens - spent.GetValueOrDefault(a.Id)),
                }),
            },
            as_of = now.ToString("yyyy-MM-ddTHH:mm:ssK", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The most one event may report; more is refused, so no sum can overflow.</summary>
    public const long MaxTokensPerEvent = 1_000_000_000_000;

    // A hand-edited log could still hold anything: saturate rather than wrap or throw.
    private static long Add(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    [GeneratedRegex(@"(?:^| )tokens_used=([0-9]{1,18})$")]
    private static partial Regex TokensUsed();
}
