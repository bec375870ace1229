using System.Diagnostics;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Cli;

/// <summary>Runs the built <c>org-dispatch</c> as a separate OS process.</summary>
internal static class CliProcess
{
    public static string AppHost => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "org-dispatch.exe" : "org-dispatch");

    public static ProcessStartInfo StartInfo(IEnumerable<string> args, IDictionary<string, string?>? env = null)
    {
        var psi = new ProcessStartInfo(AppHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        // The tests' own environment must not leak into the CLI's configuration.
        foreach (string name in psi.Environment.Keys.ToList())
        {
            if (name.StartsWith("ORGDISPATCH_", StringComparison.Ordinal) || name.StartsWith("BEZALEL_", StringComparison.Ordinal)
                || name is "DISPATCH_FILE" or "EMACS_SOCKET" or "EMACS_SOCKET_NAME" or "EMACS_SERVER_FILE")
            {
                psi.Environment.Remove(name);
            }
        }
        foreach (var (k, v) in env ?? new Dictionary<string, string?>()) psi.Environment[k] = v;
        return psi;
    }

    /// <summary>Runs to completion (bounded by <paramref name="timeout"/>) and returns exit code and output.</summary>
    public static (int Code, string Out, string Err) Run(IEnumerable<string> args, IDictionary<string, string?>? env = null, TimeSpan? timeout = null) =>
        ProcessRunner.Exec(StartInfo(args, env), timeout ?? TimeSpan.FromMinutes(2));
}
