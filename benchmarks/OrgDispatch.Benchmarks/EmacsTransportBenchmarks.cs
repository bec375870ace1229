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
/// Remote (sshd on loopback): a fresh <c>ssh host emacsclient -e</c> per operation against both SSH
/// engines: OpenSSH (shared connection, forwarded Unix sockets) and SSH.NET (in-process; an
/// evaluation is an exec channel running emacsclient, the store's channel a direct-tcpip forward
/// to orgdispatch.el's loopback TCP channel). The operation is <c>(emacs-pid)</c>; the queue
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
    private SshNetEmacsClient _sshNet = null!;
    private DispatchQueue _sshNetQueue = null!;
    private EmacsChannel _openSshChannel = null!;
    private EmacsChannel _sshNetChannel = null!;

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
        _sshNet = new SshNetEmacsClient(_sshd.SshNetOptions, _emacs.SocketPath);
        _sshNetQueue = new DispatchQueue(new EmacsDispatchStore(_sshNet, path));
        // Load the Lisp, visit the file, and open the SSH connections outside the measurement.
        _localQueue.GetStatusAsync().GetAwaiter().GetResult();
        _sshQueue.GetStatusAsync().GetAwaiter().GetResult();
        _sshNetQueue.GetStatusAsync().GetAwaiter().GetResult();
        Func<string, CancellationToken, Task<Sexp>> evaluate = async (form, t) => (await _emacs.Client.EvaluateAsync(form, t)).Read();
        _openSshChannel = ((IEmacsChannelRoute)_ssh).OpenChannelAsync(evaluate, CancellationToken.None).GetAwaiter().GetResult()!;
        _sshNetChannel = ((IEmacsChannelRoute)_sshNet).OpenChannelAsync(evaluate, CancellationToken.None).GetAwaiter().GetResult()!;
        string channel = ((SexpString)_emacs.Client.EvaluateAsync("(orgdispatch-channel)").GetAwaiter().GetResult().Read()).Value;
        _channel = EmacsChannel.ConnectAsync(channel, TimeSpan.FromSeconds(30), CancellationToken.None).GetAwaiter().GetResult()!;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ssh.CloseSharedConnectionAsync().GetAwaiter().GetResult();
        _sshNet.Dispose();
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

    [Benchmark, BenchmarkCategory("ssh")]
    public Task<string> ChannelOverOpenSsh() => _openSshChannel.EvaluateAsync(Form, CancellationToken.None);

    [Benchmark, BenchmarkCategory("ssh")]
    public async Task<string> SshNetExecEmacsclient() => (await _sshNet.EvaluateAsync(Form)).Text;

    [Benchmark, BenchmarkCategory("ssh")]
    public Task<string> ChannelOverSshNet() => _sshNetChannel.EvaluateAsync(Form, CancellationToken.None);

    [Benchmark, BenchmarkCategory("ssh")]
    public Task<DispatchStatus> QueueStatusOverSshNet() => _sshNetQueue.GetStatusAsync();

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
