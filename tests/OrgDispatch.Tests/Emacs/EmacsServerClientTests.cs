using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using OrgDispatch.Emacs;
using OrgDispatch.Lisp;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Emacs;

/// <summary>The native Emacs server client against a real daemon: values, quoting, multibyte text,
/// long replies in pieces, errors, timeouts, the TCP form with its auth key.</summary>
public sealed class EmacsServerClientTests
{
    [Fact]
    public void Quoting_matches_emacsclient()
    {
        var sb = new StringBuilder();
        EmacsServerQuoting.Quote(sb, "-a b&c\nd-e");
        Assert.Equal("&-a&_b&&c&nd-e", sb.ToString());
        var bytes = new List<byte>();
        EmacsServerQuoting.Unquote("&-a&_b&&c&nd&-e"u8, bytes);
        Assert.Equal("-a b&c\nd-e", Encoding.UTF8.GetString(bytes.ToArray()));
    }

    [Fact]
    public async Task Resolve_finds_sockets_where_emacsclient_looks()
    {
        using var dir = new TempDirectory();
        string runtime = dir.File("run"), tmp = dir.File("tmp");
        var env = new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = runtime, ["TMPDIR"] = tmp };
        EmacsServerEndpoint Resolve(string? name) => EmacsServerEndpoint.Resolve(name, v => env.GetValueOrDefault(v), 1000);

        // Nothing exists yet: the first place emacsclient looks, and the error names both.
        Assert.Equal(Path.Combine(runtime, "emacs", "fleet"), Resolve("fleet").SocketPath);
        var missing = await Assert.ThrowsAsync<EmacsServerException>(() => new EmacsServerClient(Resolve("fleet")).EvaluateAsync("t"));
        Assert.Equal(EmacsErrorKind.SocketMissing, missing.Kind);
        Assert.Contains(Path.Combine(tmp, "emacs1000", "fleet"), missing.Message, StringComparison.Ordinal);

        // A socket left by an Emacs started without XDG_RUNTIME_DIR is found in ${TMPDIR}/emacsUID.
        Directory.CreateDirectory(Path.Combine(tmp, "emacs1000"));
        File.WriteAllText(Path.Combine(tmp, "emacs1000", "fleet"), "");
        Assert.Equal(Path.Combine(tmp, "emacs1000", "fleet"), Resolve("fleet").SocketPath);
        env["XDG_RUNTIME_DIR"] = null;
        Assert.Equal(Path.Combine(tmp, "emacs1000", "server"), Resolve(null).SocketPath);

        // EMACS_SOCKET_NAME names the default; a path is taken as is; a non-empty file is a TCP server file.
        env["EMACS_SOCKET_NAME"] = "fleet";
        Assert.Equal(Path.Combine(tmp, "emacs1000", "fleet"), Resolve(null).SocketPath);
        Assert.Equal("/tmp/x/server", Resolve("/tmp/x/server").SocketPath);
        string serverFile = dir.File("server");
        File.WriteAllText(serverFile, "127.0.0.1:41234 4711\n" + new string('k', 64));
        EmacsServerEndpoint tcp = Resolve(serverFile);
        Assert.Equal(("127.0.0.1", 41234, new string('k', 64)), (tcp.Host, tcp.Port, tcp.AuthKey));
        env["EMACS_SOCKET_NAME"] = null;
        env["EMACS_SERVER_FILE"] = serverFile;
        Assert.Equal(41234, Resolve(null).Port);
        File.WriteAllText(dir.File("bad"), "nonsense");
        Assert.Equal(EmacsErrorKind.SocketMissing, Assert.Throws<EmacsServerException>(() => EmacsServerEndpoint.FromServerFile(dir.File("bad"))).Kind);
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task Evaluates_and_reads_values_with_multibyte_text_and_awkward_characters()
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        EmacsResult r = await emacs.Client.EvaluateAsync("(list (+ 1 2) \"é→😀 & -x  y\nz\" :k 'sym)");
        Assert.True(r.EmacsPid > 0);
        Assert.Equal(Sexp.List(Sexp.Integer(3), Sexp.String("é→😀 & -x  y\nz"), Sexp.Keyword("k"), Sexp.Symbol("sym")), r.Read());
        // A leading "-" must not be taken for a server command.
        Assert.Equal("-5", (await emacs.Client.EvaluateAsync("-5")).Text);
        Assert.Equal("6", (await emacs.Client.EvaluateAsync("(length \"日本語&& \")")).Text);
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task Long_values_arrive_whole_from_their_pieces()
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        // Emacs sends values in pieces of about 1 KB (-print, then -print-nonl); multibyte pieces too.
        string text = (await emacs.Client.EvaluateAsync("(concat (make-string 5000 ?x) (make-string 3000 ?é) (make-string 700 ?\\s) (make-string 1500 ?😀))")).Text;
        Assert.Equal("\"" + new string('x', 5000) + new string('é', 3000) + new string(' ', 700) + string.Concat(Enumerable.Repeat("😀", 1500)) + "\"", text);
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task A_lisp_error_is_reported_at_once_with_its_message()
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<EmacsServerException>(() => emacs.Client.EvaluateAsync("(error \"No %s here\" \"café\")"));
        Assert.Equal(EmacsErrorKind.LispError, e.Kind);
        Assert.Equal("No café here", e.Message);
        // Emacs holds the connection 5 s after an error; the client does not wait for that.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");
        Assert.Equal(EmacsErrorKind.LispError, (await Assert.ThrowsAsync<EmacsServerException>(() => emacs.Client.EvaluateAsync("(car"))).Kind);
        Assert.Equal("2", (await emacs.Client.EvaluateAsync("(1+ 1)")).Text);
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task A_busy_emacs_times_out_and_serves_again_afterwards()
    {
        await using var emacs = await EmacsDaemon.StartAsync();
        var impatient = new EmacsServerClient(emacs.Client.Endpoint, TimeSpan.FromMilliseconds(300));
        var e = await Assert.ThrowsAsync<EmacsServerException>(() => impatient.EvaluateAsync("(progn (sleep-for 2) t)"));
        Assert.Equal(EmacsErrorKind.Timeout, e.Kind);
        Assert.False(e.NotEvaluated);
        Assert.Equal("t", (await emacs.Client.EvaluateAsync("t")).Text);
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task Missing_socket_and_dead_daemon_are_told_apart()
    {
        using var dir = new TempDirectory();
        var missing = new EmacsServerClient(EmacsServerEndpoint.Socket(dir.File("nothing")));
        var e = await Assert.ThrowsAsync<EmacsServerException>(() => missing.EvaluateAsync("t"));
        Assert.Equal(EmacsErrorKind.SocketMissing, e.Kind);
        Assert.Contains(dir.File("nothing"), e.Message);

        await using var emacs = await EmacsDaemon.StartAsync();
        await emacs.KillAsync(); // SIGKILL leaves the socket file behind
        Assert.True(File.Exists(emacs.SocketPath));
        e = await Assert.ThrowsAsync<EmacsServerException>(() => emacs.Client.EvaluateAsync("t"));
        Assert.Equal(EmacsErrorKind.DaemonNotRunning, e.Kind);
        Assert.True(e.NotEvaluated);

        await emacs.RestartAsync();
        Assert.Equal("t", (await emacs.Client.EvaluateAsync("t")).Text);
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task Tcp_server_with_its_auth_key()
    {
        await using var emacs = await EmacsDaemon.StartAsync("(setq server-use-tcp t server-host \"127.0.0.1\")");
        EmacsServerEndpoint endpoint = EmacsServerEndpoint.Resolve(emacs.ServerFile);
        Assert.Equal("127.0.0.1", endpoint.Host);
        Assert.Equal("(\"é\" 3)", (await new EmacsServerClient(endpoint).EvaluateAsync("(list \"é\" 3)")).Text);

        var wrongKey = EmacsServerEndpoint.Tcp(endpoint.Host!, endpoint.Port, new string('x', 64));
        var e = await Assert.ThrowsAsync<EmacsServerException>(() => new EmacsServerClient(wrongKey).EvaluateAsync("t"));
        Assert.Equal(EmacsErrorKind.AuthenticationFailed, e.Kind);

        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int freePort = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        e = await Assert.ThrowsAsync<EmacsServerException>(() => new EmacsServerClient(EmacsServerEndpoint.Tcp("127.0.0.1", freePort, "k")).EvaluateAsync("t"));
        Assert.Equal(EmacsErrorKind.DaemonNotRunning, e.Kind);
    }
}
