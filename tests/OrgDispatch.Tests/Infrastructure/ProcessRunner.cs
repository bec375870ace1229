using System.Diagnostics;

namespace OrgDispatch.Tests.Infrastructure;

internal static class ProcessRunner
{
    /// <summary>Runs a program to completion within <paramref name="timeout"/>; throws with its
    /// output if it fails or overruns.</summary>
    public static string Run(string fileName, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory ?? Path.GetTempPath() };
        foreach (string a in args) psi.ArgumentList.Add(a);
        var (code, stdout, stderr) = Exec(psi, timeout);
        if (code != 0) throw new InvalidOperationException($"{fileName} {string.Join(' ', args)} exited {code}:\n{stderr}\n{stdout}");
        return stdout;
    }

    /// <summary>Runs <paramref name="start"/> to completion, with no input, and returns its exit code and
    /// output; kills the whole process tree and throws if it overruns <paramref name="timeout"/>.</summary>
    public static (int Code, string Out, string Err) Exec(ProcessStartInfo start, TimeSpan timeout)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        using var p = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {timeout}");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts a long-running program (a server) whose output lines are collected in
    /// <paramref name="log"/> (locked while written), for the message when it fails; each standard
    /// output line also goes to <paramref name="onOutputLine"/>, when given.</summary>
    public static Process StartLogged(ProcessStartInfo start, System.Text.StringBuilder log, Action<string>? onOutputLine = null)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        Process process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.OutputDataReceived += (_, e) =>
        {
            lock (log) log.AppendLine(e.Data);
            if (e.Data is not null) onOutputLine?.Invoke(e.Data);
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }
}
