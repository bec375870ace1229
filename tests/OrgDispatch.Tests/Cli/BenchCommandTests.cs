using System.Text.Json;

namespace OrgDispatch.Tests.Cli;

/// <summary><c>org-dispatch bench</c>: the load generator users run on their own machine.</summary>
public sealed class BenchCommandTests
{
    [Theory]
    [InlineData("file", 1)]
    [InlineData("file", 3)]
    [InlineData("hub", 4)]
    public void Bench_claims_every_task_of_its_own_file_and_reports_rate_and_latency(string target, int clients)
    {
        var (code, output, err) = CliProcess.Run(["bench", target, "--tasks", "40", "--clients", clients.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seconds", "60", "--json"]);
        Assert.True(code == 0, err);
        JsonElement r = JsonDocument.Parse(output).RootElement;
        Assert.Equal((target, 40, clients, 40), (r.GetProperty("target").GetString(), r.GetProperty("tasks").GetInt32(), r.GetProperty("clients").GetInt32(), r.GetProperty("claims").GetInt32()));
        double p50 = r.GetProperty("p50_ms").GetDouble(), p99 = r.GetProperty("p99_ms").GetDouble();
        Assert.True(p50 > 0 && p99 >= p50, $"p50 {p50}, p99 {p99}");
        Assert.True(r.GetProperty("claims_per_second").GetDouble() > 0);
        Assert.InRange(r.GetProperty("seconds").GetDouble(), 0.0001, 60);
    }

    [Fact]
    public void Bench_stops_at_its_time_limit_and_refuses_bad_arguments()
    {
        var (code, output, err) = CliProcess.Run(["bench", "file", "--tasks", "100000", "--seconds", "0.5", "--json"]);
        Assert.True(code == 0, err);
        JsonElement r = JsonDocument.Parse(output).RootElement;
        Assert.InRange(r.GetProperty("claims").GetInt32(), 1, 99_999);
        Assert.InRange(r.GetProperty("seconds").GetDouble(), 0.5, 30);

        (code, _, err) = CliProcess.Run(["bench", "file", "--clients", "0"]);
        Assert.Equal(2, code);
        Assert.Contains("--clients", err, StringComparison.Ordinal);
        (code, _, _) = CliProcess.Run(["bench", "ftp"]);
        Assert.Equal(2, code);
    }
}
