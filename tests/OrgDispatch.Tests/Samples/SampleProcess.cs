using System.Diagnostics;
using System.Text;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Samples;

/// <summary>A sample program run from its own build folder (the test project builds it first), as
/// <c>dotnet run --project samples/NAME</c> would, until disposed.</summary>
internal sealed class SampleProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log;

    private SampleProcess(Process process, StringBuilder log)
    {
        _process = process;
        _log = log;
    }

    /// <summary>The built program of <c>samples/<paramref name="name"/></c> (named <paramref name="program"/> when its assembly is named otherwise), in the tests' own configuration.</summary>
    public static string Program(string name, string? program = null)
    {
        string tfmDir = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);
        string configuration = Path.GetFileName(Path.GetDirectoryName(tfmDir)!);
        string path = Path.Combine(TestEnvironment.RepoRoot, "samples", name, "bin", configuration, Path.GetFileName(tfmDir), program ?? name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"The sample {name} is not built at {path}.");
    }

    /// <summary>Starts the sample and waits (at most <paramref name="timeout"/>) for a line starting with
    /// <paramref name="readyPrefix"/>, which is returned.</summary>
    public static (SampleProcess Process, string ReadyLine) Start(string name, IEnumerable<string> args, string readyPrefix, TimeSpan timeout, IDictionary<string, string?>? env = null, string? program = null)
    {
        var psi = new ProcessStartInfo(Program(name, program)) { WorkingDirectory = Path.GetTempPath() };
        foreach (string a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string?>()) psi.Environment[k] = v;
        var log = new StringBuilder();
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Process p = ProcessRunner.StartLogged(psi, log, line =>
        {
            if (line.StartsWith(readyPrefix, StringComparison.Ordinal)) ready.TrySetResult(line);
        });
        p.EnableRaisingEvents = true;
        p.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"{name} exited before it was ready:\n{log}"));
        if (p.HasExited) ready.TrySetException(new InvalidOperationException($"{name} exited before it was ready:\n{log}"));
        var sample = new SampleProcess(p, log);
        if (!ready.Task.Wait(timeout))
        {
            sample.Dispose();
            throw new TimeoutException($"{name} printed no \"{readyPrefix}\" line within {timeout}:\n{log}");
        }
        return (sample, ready.Task.Result);
    }

    public string Log { get { lock (_log) return _log.ToString(); } }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
        _process.Dispose();
    }
}
