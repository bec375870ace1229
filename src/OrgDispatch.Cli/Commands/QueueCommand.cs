using System.CommandLine;
using OrgDispatch.Cli.Output;
using OrgDispatch.Emacs;
using OrgDispatch.Hub;
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
            TransportKind kind = _transport?.Choose(parse, _file) ?? TransportKind.File;
            OpenTransport transport;
            try
            {
                transport = _transport?.Open(parse, kind, path, options, parse.GetValue(_lockTimeout))
                    ?? TransportOptions.OpenFile(path, options, parse.GetValue(_lockTimeout));
            }
            catch (ArgumentException e)
            {
                error.WriteLine("org-dispatch: " + e.Message);
                return ExitCodes.UsageOrTransport;
            }
            await using OpenTransport opened = transport;
            var context = new QueueContext(parse, transport, path, options, _agent is null ? "" : parse.GetValue(_agent)!, lease, json, output, error);
            try
            {
                return await action(context, ct);
            }
            catch (TaskNotFoundException e)
            {
                return Fail(context, ExitCodes.NotFound, "not_found", e.Message, e.TaskId);
            }
            catch (WrongHolderException e)
            {
                return Fail(context, ExitCodes.Conflict, "wrong_holder", e.Message, e.TaskId, e.State, e.Holder);
            }
            catch (TaskBlockedException e)
            {
                return Fail(context, ExitCodes.Conflict, "blocked", e.Message, e.TaskId, e.State);
            }
            catch (DispatchConflictException e)
            {
                return Fail(context, ExitCodes.Conflict, "illegal_transition", e.Message, e.TaskId, e.State);
            }
            catch (DispatchStoreException e)
            {
                return Fail(context, ExitCodes.UsageOrTransport, e.InnerException is EmacsServerException emacs ? Code(emacs) : "transport", e.Message);
            }
            catch (EmacsServerException e)
            {
                return Fail(context, ExitCodes.UsageOrTransport, Code(e), e.Message);
            }
            catch (HubRemoteException e)
            {
                return Fail(context, ExitCodes.UsageOrTransport, e.Code, e.Message);
            }
            catch (ArgumentException e)
            {
                return Fail(context, ExitCodes.UsageOrTransport, "usage", e.Message);
            }
        });
    }

    /// <summary>The JSON error code for an Emacs failure: socket_missing, daemon_not_running, host_unreachable, …</summary>
    private static string Code(EmacsServerException e) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(e.Kind.ToString());

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
internal sealed record QueueContext(System.CommandLine.ParseResult Parse, OpenTransport Transport, string FilePath, DispatchOptions Options, string Agent,
    TimeSpan? Lease, bool Json, TextWriter Output, TextWriter Error)
{
    /// <summary>The queue over the chosen transport.</summary>
    public IDispatchQueue Queue => Transport.Queue;

    /// <summary>Prints <c>VERB TASK-LINE</c>, or <c>{"task": …}</c> with --json; returns success.</summary>
    public int PrintTask(string verb, DispatchTask task)
    {
        if (Json) JsonOutput.Write(Output, w => JsonOutput.Task(w, "task", task));
        else Output.WriteLine(verb + " " + TextOutput.TaskLine(task));
        return ExitCodes.Success;
    }
}
