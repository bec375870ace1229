using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using OrgDispatch.Emacs;
using OrgDispatch.Lisp;
using OrgDispatch.Queue;
using OrgDispatch.Tests.Emacs;

namespace OrgDispatch.Benchmarks;

/// <summary>
/// One operation on a real Emacs daemon, side by side with what the original tool did. Local:
/// a new <c>emacsclient -e</c> process per operation against the native server-protocol client and
/// against the lasting channel to orgdispatch.el's own server (what the Emacs transport uses).
/// Remote (sshd on loopback): a fresh <c>ssh host emacsclient -e</c> per operation against the SSH
/// transport (shared connection, forwarded socket). The operation is <c>(emacs-pid)</c>; the queue
/// rows are a whole <c>status</c> (read the buffer, parse, count) over a 100-task buffer.
/// </summary>
[MedianColumn]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[WarmupCount(3)]
[IterationCount(15)]
public class EmacsTransportBenchmarks
{
    private const string Form = "(emacs-pid)";
    private EmacsDaemon _emacs = null!;
    private SshServer _sshd = null!;
    private SshEmacsClient _ssh = null!;
    private DispatchQueue _localQueue = null!;
    private DispatchQueue _localQueueWithoutChannel = null!;
    private EmacsChannel _channel = null!;
    private DispatchQueue _sshQueue = null!;

    [GlobalSetup]
    public void Setup()
    {
        _emacs = EmacsDaemon.StartAsync().GetAwaiter().GetResult();
        _sshd = SshServer.StartAsync().GetAwaiter().GetResult();
        string path = _emacs.File("dispatch.org");
        File.WriteAllText(path, Inputs.DispatchFile(100));
        _ssh = new SshEmacsClient(_sshd.Options, _emacs.SocketPath);
        _localQueue = new DispatchQueue(new EmacsDispatchStore(_emacs.Client, path));
        _localQueueWithoutChannel = new DispatchQueue(new EmacsDispatchStore(_emacs.Client, path, new EmacsDispatchStoreOptions { UseChannel = false }));
        _sshQueue = new DispatchQueue(new EmacsDispatchStore(_ssh, path));
        // Load the Lisp, visit the file, and open the shared SSH connection outside the measurement.
        _localQueue.GetStatusAsync().GetAwaiter().GetResult();
        _sshQueue.GetStatusAsync().GetAwaiter().GetResult();
        string channel = ((SexpString)_emacs.Client.EvaluateAsync("(orgdispatch-channel)").GetAwaiter().GetResult().Read()).Value;
        _channel = EmacsChannel.ConnectAsync(channel, TimeSpan.FromSeconds(30), CancellationToken.None).GetAwaiter().GetResult()!;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ssh.CloseSharedConnectionAsync().GetAwaiter().GetResult();
        _sshd.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _emacs.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("local")]
    public string EmacsclientProcess() => Run("emacsclient", "-s", _emacs.SocketPath, "-e", Form);

    [Benchmark, BenchmarkCategory("local")]
    public async Task<string> NativeSocket() => (await _emacs.Client.EvaluateAsync(Form)).Text;

    [Benchmark, BenchmarkCategory("local")]
    public Task<string> LastingChannel() => _channel.EvaluateAsync(Form, CancellationToken.None);

    [Benchmark, BenchmarkCategory("local")]
    public Task<DispatchStatus> QueueStatusOverChannel() => _localQueue.GetStatusAsync();

    [Benchmark, BenchmarkCategory("local")]
    public Task<DispatchStatus> QueueStatusOverServerProtocol() => _localQueueWithoutChannel.GetStatusAsync();

    [Benchmark(Baseline = true), BenchmarkCategory("ssh")]
    public string FreshSshEmacsclient() =>
        Run("ssh", "-F", _sshd.ClientConfig, "-o", "BatchMode=yes", "-o", "ControlMaster=no", "-o", "ControlPath=none",
            "dispatch-test", "emacsclient", "-s", _emacs.SocketPath, "-e", "'" + Form + "'");

    [Benchmark, BenchmarkCategory("ssh")]
    public async Task<string> SshTransport() => (await _ssh.EvaluateAsync(Form)).Text;

    [Benchmark, BenchmarkCategory("ssh")]
    public Task<DispatchStatus> QueueStatusOverSsh() => _sshQueue.GetStatusAsync();

    private static string Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        using Process p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"{program} exited {p.ExitCode}: {p.StandardError.ReadToEnd()}");
    }
}
