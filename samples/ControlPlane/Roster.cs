using System.Text.Json;
using System.Text.Json.Serialization;

namespace ControlPlane;

/// <summary>One agent of <c>controlplane.json</c>: who it is, which tasks are its (the role is an Org
/// tag of the dispatch file), and its share of the day's tokens.</summary>
public sealed record AgentConfig
{
    /// <summary>The agent's id, as agents send it in <c>agent_id</c>; also the name in the activity log.</summary>
    public required string Id { get; init; }

    /// <summary>The tag that marks its tasks in the dispatch file.</summary>
    public required string Role { get; init; }

    /// <summary>Whether the agent runs a heartbeat loop (reported in the state, for the agent to read).</summary>
    public bool HeartbeatEnabled { get; init; } = true;

    /// <summary>Its daily token allocation.</summary>
    public long DailyTokens { get; init; }
}

/// <summary><c>controlplane.json</c>: the fleet's daily token budget and its agents.</summary>
public sealed record Roster
{
    /// <summary>The fleet's daily token budget; reaching it sets <c>hard_limit_exceeded</c>.</summary>
    public long DailyTokens { get; init; }

    /// <summary>The agents.</summary>
    public IReadOnlyList<AgentConfig> Agents { get; init; } = [];

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The agent with <paramref name="id"/>, or null.</summary>
    public AgentConfig? Find(string? id) => Agents.FirstOrDefault(a => a.Id == id);

    /// <summary>Reads and checks the file; every problem is an <see cref="InvalidDataException"/> naming the file.</summary>
    public static Roster Load(string path)
    {
        Roster? roster;
        try
        {
            roster = JsonSerializer.Deserialize<Roster>(File.ReadAllText(path), Json);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        if (roster is null) throw new InvalidDataException($"{path}: expected an object with daily_tokens and agents.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (AgentConfig a in roster.Agents)
        {
            if (string.IsNullOrWhiteSpace(a.Id) || a.Id.Any(c => !(char.IsLetterOrDigit(c) || c is '_' or '@' or '#' or '%')))
                throw new InvalidDataException($"{path}: the agent id \"{a.Id}\" must be a valid Org tag (letters, digits, _ @ # %).");
            if (string.IsNullOrWhiteSpace(a.Role) || a.Role.Any(c => !(char.IsLetterOrDigit(c) || c is '_' or '@' or '#' or '%')))
                throw new InvalidDataException($"{path}: the role \"{a.Role}\" of {a.Id} must be a valid Org tag (letters, digits, _ @ # %).");
            if (!seen.Add(a.Id)) throw new InvalidDataException($"{path}: the agent {a.Id} is listed twice.");
            if (a.DailyTokens < 0) throw new InvalidDataException($"{path}: the daily_tokens of {a.Id} is negative.");
        }
        if (roster.DailyTokens < 0) throw new InvalidDataException($"{path}: daily_tokens is negative.");
        return roster;
    }
}
