using System.CommandLine;
using OrgDispatch.Cli.Output;
using OrgDispatch.Queue;

namespace OrgDispatch.Cli.Commands;

/// <summary>A command over the dispatch queue: carries the shared options, opens the store, and
/// turns the queue's exceptions into the documented exit codes and messages.</summary>
internal sealed class QueueCommand : Command
{
    private readonly Option<string> _file = CliOptions.File();
    private readonly Option<bool> _json = CliOptions.Json();
    private readonly Option<TimeSpan?> _lockTimeout = CliOptions.LockTimeout();
    private readonly Option<int?> _maxAttempts = CliOptions.MaxAttempts();
    private readonly TransportOptions? _transport;
    private readonly Option<string>? _agent;
    private readonly Option<TimeSpan?>? _lease;

    /// <param name="name">The command's name, e.g. <c>claim</c>.</param>
    /// <param name="description">One line for --help.</param>
    /// <param name="agent">Whether the command acts as an agent (--agent).</param>
    /// <param name="lease">Whether the command takes a lease (--lease).</param>
    /// <param name="transports">Whether the command works over every transport (else the file only).</param>
    public QueueCommand(string name, string description, bool agent = false, bool lease = false, bool transports = true) : base(name, description)
    {
        if (agent) Options.Add(_agent = CliOptions.Agent());
        Options.Add(_file);
        if (transports)
        {
            _transport = new TransportOptions();
            foreach (Option o in _transport.All) Options.Add(o);
        }
        if (lease) Options.Add(_lease = CliOptions.Lease());
        Options.Add(_maxAttempts);
        Options.Add(_lockTimeout);
        Options.Add(_json);
    }

    public void SetQueueAction(Func<QueueContext, CancellationToken, Task<int>> action)
    {
        SetAction(async (parse, ct) =>
        {
            TextWriter output = parse.InvocationConfiguration.Output, error = parse.InvocationConfiguration.Error;
            bool json = parse.GetValue(_json);
            TimeSpan? lease = _lease is null ? null : parse.GetValue(_lease);
            var options = DispatchOptions.Default with
            {
                MaxAttempts = parse.GetValue(_maxAttempts) ?? DispatchOptions.Default.MaxAttempts,
                DefaultLease = lease,
            };
            // Over a hub, the hub applies its own --max-attempts and --lock-timeout.
            string path = parse.GetValue(_file)!;
            DispatchTransport kind = _transport?.Choose(parse, _file) ?? DispatchTransport.File;
            DispatchConnection connection;
            try
            {
                connection = DispatchConnection.Open(_transport?.ToConnectionOptions(parse, kind, path, options, parse.GetValue(_lockTimeout))
                    ?? new DispatchConnectionOptions { FilePath = path, Queue = options, LockTimeout = parse.GetValue(_lockTimeout) });
            }
            catch (ArgumentException e)
            {
                error.WriteLine("org-dispatch: " + e.Message);
                return ExitCodes.UsageOrTransport;
            }
            await using DispatchConnection opened = connection;
            var context = new QueueContext(parse, connection, path, options, _agent is null ? "" : parse.GetValue(_agent)!, lease, json, output, error);
            try
            {
                return await action(context, ct);
            }
            catch (Exception e) when (e is IDispatchError or ArgumentException)
            {
                return Fail(context, e);
            }
        });
    }

    // The code comes from the exception (DispatchErrorCodes.Of); a bad argument here is a usage error.
    private static int Fail(QueueContext c, Exception e)
    {
        (int exit, string code) = e switch
        {
            TaskNotFoundException => (ExitCodes.NotFound, DispatchErrorCodes.NotFound),
            DispatchConflictException conflict => (ExitCodes.Conflict, conflict.Code),
            IDispatchError other => (ExitCodes.UsageOrTransport, other.Code),
            _ => (ExitCodes.UsageOrTransport, "usage"),
        };
        var conflictOrMissing = e as DispatchException;
        return Fail(c, exit, code, e.Message, conflictOrMissing?.TaskId, (e as DispatchConflictException)?.State, (e as WrongHolderException)?.Holder);
    }

    private static int Fail(QueueContext c, int exitCode, string code, string message, string? taskId = null, TaskState? state = null, string? holder = null)
    {
        c.Error.WriteLine("org-dispatch: " + message);
        if (c.Json)
        {
            JsonOutput.Write(c.Output, w =>
            {
                w.WriteStartObject("error");
                w.WriteString("code", code);
                w.WriteString("message", message);
                w.WriteString("task_id", taskId);
                w.WriteString("state", state?.ToSnakeCase());
                w.WriteString("holder", holder);
                w.WriteEndObject();
            });
        }
        return exitCode;
    }
}

/// <summary>What a queue command's action works with.</summary>
internal sealed record QueueContext(System.CommandLine.ParseResult Parse, DispatchConnection Connection, string FilePath, DispatchOptions Options, string Agent,
    TimeSpan? Lease, bool Json, TextWriter Output, TextWriter Error)
{
    /// <summary>The queue over the chosen transport.</summary>
    public IDispatchQueue Queue => Connection.Queue;

    /// <summary>Prints <c>VERB TASK-LINE</c>, or <c>{"task": …}</c> with --json; returns success.</summary>
    public int PrintTask(string verb, DispatchTask task)
    {
        if (Json) JsonOutput.Write(Output, w => JsonOutput.Task(w, "task", task));
        else Output.WriteLine(verb + " " + TextOutput.TaskLine(task));
        return ExitCodes.Success;
    }
}
