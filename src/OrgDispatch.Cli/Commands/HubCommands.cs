using System.CommandLine;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using OrgDispatch.Cli.Output;
using OrgDispatch.Emacs;
using OrgDispatch.Hub;
using OrgDispatch.Lisp;
using OrgDispatch.Queue;
using OrgDispatch.Stores;

namespace OrgDispatch.Cli.Commands;

/// <summary><c>serve</c> (run a hub over a dispatch file) and <c>watch</c> (print a hub's events).</summary>
internal static class HubCommands
{
    public static IEnumerable<Command> Build()
    {
        yield return Serve();
        yield return Watch();
    }

    private static Command Serve()
    {
        Option<string> file = CliOptions.File();
        Option<int> port = new("--port", "-p") { Description = "The TCP port. Default 9105; 0 picks a free one.", HelpName = "PORT", DefaultValueFactory = _ => HubServerOptions.DefaultPort };
        Option<string> address = new("--address") { Description = "The address to listen on. Default 127.0.0.1 (this machine only).", HelpName = "IP", DefaultValueFactory = _ => "127.0.0.1" };
        Option<string?> token = CliOptions.Token();
        Option<bool> allowEval = new("--allow-eval") { Description = "Serve eval requests (arbitrary Lisp) on transports that can evaluate; refused otherwise." };
        Option<int?> maxAttempts = CliOptions.MaxAttempts();
        Option<TimeSpan?> lockTimeout = CliOptions.LockTimeout();
        Option<bool> verbose = new("--verbose", "-v") { Description = "Log every connection, not only warnings and the start and stop." };
        var transport = new TransportOptions(tcp: false);
        var command = new Command("serve", "Run a hub: serve the dispatch file (on disk, or a buffer in Emacs) to agents over TCP (Harness Communication, docs/protocol.md) until Ctrl+C.")
        {
            file, port, address, token, allowEval, maxAttempts, lockTimeout, verbose,
        };
        foreach (Option o in transport.All) command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            TextWriter output = parse.InvocationConfiguration.Output, error = parse.InvocationConfiguration.Error;
            if (!IPAddress.TryParse(parse.GetValue(address), out IPAddress? ip))
            {
                error.WriteLine($"org-dispatch: --address: \"{parse.GetValue(address)}\" is not an IP address.");
                return ExitCodes.UsageOrTransport;
            }
            string path = parse.GetValue(file)!;
            TransportKind kind = transport.Choose(parse, file);
            if (kind == TransportKind.File && !File.Exists(path))
            {
                error.WriteLine($"org-dispatch: {path} does not exist (create it with org-dispatch init).");
                return ExitCodes.UsageOrTransport;
            }
            using var loggers = new StderrLoggerFactory(error, parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Information);
            var options = DispatchOptions.Default with { MaxAttempts = parse.GetValue(maxAttempts) ?? DispatchOptions.Default.MaxAttempts };
            IDispatchStore inner;
            IEmacsEvaluator? emacs;
            try
            {
                (inner, emacs) = transport.OpenStore(parse, kind, path, parse.GetValue(lockTimeout));
            }
            catch (ArgumentException e)
            {
                error.WriteLine("org-dispatch: " + e.Message);
                return ExitCodes.UsageOrTransport;
            }
            // Group commit: clients racing each other share writes; each reply still waits for its own.
            await using var store = new BatchingDispatchStore(inner);
            var queue = new DispatchQueue(store, options, loggers.CreateLogger<DispatchQueue>());
            var serverOptions = new HubServerOptions
            {
                Address = ip,
                Port = parse.GetValue(port),
                Token = parse.GetValue(token),
                AllowEval = parse.GetValue(allowEval),
                Evaluator = emacs is null ? null : async (expression, cancel) =>
                {
                    try
                    {
                        EmacsResult result = await emacs.EvaluateAsync(expression, cancel);
                        return result.TryRead(out Sexp? value) ? value! : Sexp.String(result.Text);
                    }
                    catch (EmacsServerException e)
                    {
                        // The client sees a Lisp error as a bad request, anything else as the transport failing.
                        throw e.Kind == EmacsErrorKind.LispError ? new ArgumentException(e.Message, e) : new DispatchStoreException(e.Message, e);
                    }
                },
            };
            await using var server = new HubServer(queue, serverOptions, loggers.CreateLogger<HubServer>());
            try
            {
                await server.StartAsync(ct);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                error.WriteLine($"org-dispatch: cannot listen on {ip}:{serverOptions.Port}: {e.Message}");
                return ExitCodes.UsageOrTransport;
            }
            // One line on stdout that scripts can wait for; the real port when 0 was asked for.
            output.WriteLine($"serving {store.Location} on {server.LocalEndPoint}");
            output.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }
            await server.StopAsync(CancellationToken.None);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Watch()
    {
        Option<HubClientOptions?> hub = CliOptions.Hub();
        Option<string?> token = CliOptions.Token();
        Option<bool> json = CliOptions.Json();
        Option<int?> count = new("--count", "-n") { Description = "Exit after this many events.", HelpName = "N" };
        json.Description = "Print each event as one line of JSON.";
        var command = new Command("watch", "Print a hub's events as they happen, until Ctrl+C.") { hub, token, count, json };
        command.SetAction(async (parse, ct) =>
        {
            TextWriter output = parse.InvocationConfiguration.Output, error = parse.InvocationConfiguration.Error;
            HubClientOptions options = (parse.GetValue(hub) ?? new HubClientOptions()) with { Token = parse.GetValue(token), MaxConnectAttempts = 10 };
            int? limit = parse.GetValue(count);
            await using var client = new HubClient(options);
            int seen = 0;
            try
            {
                await client.ConnectAsync(ct);
                error.WriteLine($"watching {client.Address}");
                await foreach (DispatchEvent e in client.EventsAsync(ct))
                {
                    if (parse.GetValue(json)) JsonOutput.WriteLine(output, w => JsonOutput.Event(w, e));
                    else output.WriteLine(TextOutput.EventLine(e));
                    output.Flush();
                    if (++seen == limit) break;
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (DispatchStoreException e)
            {
                error.WriteLine("org-dispatch: " + e.Message);
                return ExitCodes.UsageOrTransport;
            }
            catch (HubRemoteException e)
            {
                error.WriteLine("org-dispatch: " + e.Message);
                return ExitCodes.UsageOrTransport;
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Log lines on stderr: the CLI's whole logging needs, without a logging package.</summary>
    private sealed class StderrLoggerFactory(TextWriter error, LogLevel minimum) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new Logger(error, minimum);

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public void Dispose() { }

        private sealed class Logger(TextWriter error, LogLevel minimum) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel)) return;
                string line = $"{DateTimeOffset.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {logLevel.ToString().ToLowerInvariant()}: {formatter(state, exception)}";
                lock (error) error.WriteLine(exception is null ? line : line + " (" + exception.Message + ")");
            }
        }
    }
}
