using System.CommandLine;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using OrgDispatch.Cli.Output;
using OrgDispatch.Hub;
using OrgDispatch.Queue;

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
        var transport = new TransportOptions(hub: false);
        var command = new Command("serve", "Run a hub: serve the dispatch file (on disk, or a buffer in Emacs) to agents over TCP (Harness Communication, docs/protocol.md) until Ctrl+C. Example: org-dispatch serve --file ~/fleet/dispatch.org --token \"$SECRET\"")
        {
            file, port, address, token, allowEval, maxAttempts, lockTimeout, verbose,
        };
        foreach (Option o in transport.All) command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            TextWriter error = parse.InvocationConfiguration.Error;
            if (!IPAddress.TryParse(parse.GetValue(address), out IPAddress? ip))
            {
                error.WriteLine($"org-dispatch: --address: \"{parse.GetValue(address)}\" is not an IP address.");
                return ExitCodes.UsageOrTransport;
            }
            string path = parse.GetValue(file)!;
            DispatchTransport kind = transport.Choose(parse, file);
            if (kind == DispatchTransport.File && !File.Exists(path))
            {
                error.WriteLine($"org-dispatch: {path} does not exist (create it with org-dispatch init).");
                return ExitCodes.UsageOrTransport;
            }
            using var loggers = new StderrLoggerFactory(error, parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Information);
            var queueOptions = DispatchOptions.Default with { MaxAttempts = parse.GetValue(maxAttempts) ?? DispatchOptions.Default.MaxAttempts };
            DispatchConnection connection;
            try
            {
                // Group commit: clients racing each other share writes; each reply still waits for its own.
                connection = DispatchConnection.Open(transport.ToConnectionOptions(parse, kind, path, queueOptions, parse.GetValue(lockTimeout))
                    with { GroupCommit = true, LoggerFactory = loggers });
            }
            catch (ArgumentException e)
            {
                error.WriteLine("org-dispatch: " + e.Message);
                return ExitCodes.UsageOrTransport;
            }
            await using DispatchConnection opened = connection;
            var serverOptions = new HubServerOptions
            {
                Address = ip,
                Port = parse.GetValue(port),
                Token = parse.GetValue(token),
                AllowEval = parse.GetValue(allowEval),
                Evaluator = connection.CanEvaluate ? connection.EvaluateAsync : null,
            };
            return await RunHubAsync(parse, connection.Queue, serverOptions, loggers, ct);
        });
        return command;
    }

    // Serves until Ctrl+C / SIGTERM; prints one line on stdout that scripts can wait for (with the real
    // port when 0 was asked for).
    private static async Task<int> RunHubAsync(ParseResult parse, IDispatchQueue queue, HubServerOptions options, ILoggerFactory loggers, CancellationToken ct)
    {
        TextWriter output = parse.InvocationConfiguration.Output;
        await using var server = new HubServer(queue, options, loggers.CreateLogger<HubServer>());
        try
        {
            await server.StartAsync(ct);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            parse.InvocationConfiguration.Error.WriteLine($"org-dispatch: cannot listen on {options.Address}:{options.Port}: {e.Message}");
            return ExitCodes.UsageOrTransport;
        }
        output.WriteLine($"serving {queue.Location} on {server.LocalEndPoint}");
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
    }

    private static Command Watch()
    {
        Option<HubClientOptions?> hub = CliOptions.Hub();
        Option<string?> token = CliOptions.Token();
        Option<bool> json = CliOptions.Json();
        Option<int?> count = new("--count", "-n") { Description = "Exit after this many events.", HelpName = "N" };
        json.Description = "Print each event as one line of JSON.";
        var command = new Command("watch", "Print a hub's events as they happen, until Ctrl+C. Example: org-dispatch watch --hub 127.0.0.1:9105 --json") { hub, token, count, json };
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
