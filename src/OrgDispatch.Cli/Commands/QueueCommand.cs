using System.CommandLine;
using OrgDispatch.Cli.Output;
using OrgDispatch.Harness;
using OrgDispatch.Queue;
using OrgDispatch.Transports;

namespace OrgDispatch.Cli.Commands;

/// <summary>A command over the dispatch queue: carries the shared options, opens the store, and
/// turns the queue's exceptions into the documented exit codes and messages.</summary>
internal sealed class QueueCommand : Command
{
    private readonly Option<string> _file = CliOptions.File();
    private readonly Option<bool> _json = CliOptions.Json();
    private readonly Option<TimeSpan?> _lockTimeout = CliOptions.LockTimeout();
    private readonly Option<int?> _maxAttempts = CliOptions.MaxAttempts();
    private readonly Option<HarnessClientOptions?>? _hub;
    private readonly Option<string?>? _token;
    private readonly Option<string>? _agent;
    private readonly Option<TimeSpan?>? _lease;

    public QueueCommand(string name, string description, bool agent = false, bool lease = false, bool hub = true) : base(name, description)
    {
        if (agent) Options.Add(_agent = CliOptions.Agent());
        Options.Add(_file);
        if (hub)
        {
            Options.Add(_hub = CliOptions.Hub());
            Options.Add(_token = CliOptions.Token());
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
            // --hub: the hub applies its own --max-attempts and --lock-timeout.
            HarnessClientOptions? hub = _hub is null ? null : parse.GetValue(_hub);
            string path = parse.GetValue(_file)!;
            await using IAsyncDisposable resource = hub is not null
                ? new HubDispatchQueue(hub with { Token = parse.GetValue(_token!), MaxConnectAttempts = 3 })
                : new FileDispatchStore(path, parse.GetValue(_lockTimeout));
            IDispatchQueue queue = resource as IDispatchQueue ?? new DispatchQueue((FileDispatchStore)resource, options);
            var context = new QueueContext(parse, queue, path, options, _agent is null ? "" : parse.GetValue(_agent)!, lease, json, output, error);
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
                return Fail(context, ExitCodes.UsageOrTransport, "transport", e.Message);
            }
            catch (HarnessRemoteException e)
            {
                return Fail(context, ExitCodes.UsageOrTransport, e.Code, e.Message);
            }
            catch (ArgumentException e)
            {
                return Fail(context, ExitCodes.UsageOrTransport, "usage", e.Message);
            }
        });
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
internal sealed record QueueContext(System.CommandLine.ParseResult Parse, IDispatchQueue Queue, string FilePath, DispatchOptions Options, string Agent,
    TimeSpan? Lease, bool Json, TextWriter Output, TextWriter Error)
{
    /// <summary>Prints <c>VERB TASK-LINE</c>, or <c>{"task": …}</c> with --json; returns success.</summary>
    public int PrintTask(string verb, DispatchTask task)
    {
        if (Json) JsonOutput.Write(Output, w => JsonOutput.Task(w, "task", task));
        else Output.WriteLine(verb + " " + TextOutput.TaskLine(task));
        return ExitCodes.Success;
    }
}
