using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using OrgDispatch.Hub;

namespace OrgDispatch.Cli;

/// <summary>The options the agent commands share. Each falls back to an environment variable
/// (docs/cli.md lists them); a command line value always wins.</summary>
internal static class CliOptions
{
    public const string FileVariable = "ORGDISPATCH_FILE";
    public const string LegacyFileVariable = "DISPATCH_FILE";
    public const string AgentVariable = "ORGDISPATCH_AGENT";
    public const string LeaseVariable = "ORGDISPATCH_LEASE";
    public const string HubVariable = "ORGDISPATCH_HUB";
    public const string TokenVariable = "ORGDISPATCH_TOKEN";
    public const string MaxAttemptsVariable = "ORGDISPATCH_MAX_ATTEMPTS";
    public const string LockTimeoutVariable = "ORGDISPATCH_LOCK_TIMEOUT";

    public static Option<string> File() => new("--file", "-f")
    {
        Description = $"The dispatch file. Default: ${FileVariable}, else ${LegacyFileVariable}, else ./dispatch.org.",
        HelpName = "PATH",
        DefaultValueFactory = _ => Env(FileVariable) ?? Env(LegacyFileVariable) ?? "dispatch.org",
    };

    public static Option<string> Agent() => new("--agent", "-a")
    {
        Description = $"Who is asking. Default: ${AgentVariable}.",
        HelpName = "NAME",
        DefaultValueFactory = r =>
        {
            if (Env(AgentVariable) is { } a) return a;
            r.AddError($"Name the agent with --agent NAME or ${AgentVariable}.");
            return "";
        },
    };

    public static Option<HubClientOptions?> Hub() => new("--hub")
    {
        Description = $"Go through the hub at HOST:PORT (org-dispatch serve) instead of the file. Default: ${HubVariable}, else the file.",
        HelpName = "HOST:PORT",
        CustomParser = r => HubAddress(r, r.Tokens.Count > 0 ? r.Tokens[0].Value : null, "--hub"),
        DefaultValueFactory = r => HubAddress(r, Env(HubVariable), "$" + HubVariable),
    };

    public static Option<string?> Token() => new("--token")
    {
        Description = $"The hub's shared secret. Default: ${TokenVariable}, else none.",
        HelpName = "SECRET",
        DefaultValueFactory = _ => Env(TokenVariable),
    };

    public static Option<bool> Json() => new("--json") { Description = "Print one JSON document (shapes in docs/cli.md)." };

    public static Option<TimeSpan?> Lease() => new("--lease")
    {
        Description = $"Claim lease, renewed by heartbeat: 90s, 15m, 2h, 1d or hh:mm:ss. Default: ${LeaseVariable}, else none (the claim never expires).",
        HelpName = "DURATION",
        CustomParser = r => Duration(r, r.Tokens.Count > 0 ? r.Tokens[0].Value : null, "--lease"),
        DefaultValueFactory = r => Duration(r, Env(LeaseVariable), "$" + LeaseVariable),
    };

    public static Option<int?> MaxAttempts() => new("--max-attempts")
    {
        Description = $"Claims a task gets before a fail makes it FAILED. Default: ${MaxAttemptsVariable}, else 3.",
        HelpName = "N",
        CustomParser = r => Count(r, r.Tokens.Count > 0 ? r.Tokens[0].Value : null, "--max-attempts"),
        DefaultValueFactory = r => Count(r, Env(MaxAttemptsVariable), "$" + MaxAttemptsVariable),
    };

    public static Option<TimeSpan?> LockTimeout() => new("--lock-timeout")
    {
        Description = $"How long to wait for another process's lock on the file. Default: ${LockTimeoutVariable}, else 10s.",
        HelpName = "DURATION",
        CustomParser = r => Duration(r, r.Tokens.Count > 0 ? r.Tokens[0].Value : null, "--lock-timeout"),
        DefaultValueFactory = r => Duration(r, Env(LockTimeoutVariable), "$" + LockTimeoutVariable),
    };

    /// <summary>Reads 90s, 15m, 2h, 1d, or a TimeSpan such as 00:15:00.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        if (text.Length >= 2 && char.IsAsciiLetter(text[^1])
            && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n))
        {
            TimeSpan? d = char.ToLowerInvariant(text[^1]) switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => null,
            };
            if (d is { } v) duration = v;
            return d is not null && duration > TimeSpan.Zero;
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero;
    }

    private static TimeSpan? Duration(ArgumentResult r, string? text, string source)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (TryParseDuration(text, out TimeSpan d)) return d;
        r.AddError($"{source}: \"{text}\" is not a duration (use 90s, 15m, 2h, 1d or hh:mm:ss).");
        return null;
    }

    private static HubClientOptions? HubAddress(ArgumentResult r, string? text, string source)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return HubClientOptions.Parse(text);
        }
        catch (FormatException e)
        {
            r.AddError($"{source}: {e.Message}");
            return null;
        }
    }

    private static int? Count(ArgumentResult r, string? text, string source)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0) return n;
        r.AddError($"{source}: \"{text}\" is not a positive whole number.");
        return null;
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
