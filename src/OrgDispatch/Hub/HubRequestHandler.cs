using OrgDispatch.Lisp;
using OrgDispatch.Queue;

namespace OrgDispatch.Hub;

/// <summary>Turns a request's payload into a queue call and its result into a response payload.
/// The vocabulary is documented in docs/protocol.md.</summary>
internal sealed class HubRequestHandler(IDispatchQueue queue, HubServerOptions options)
{
    private readonly HubRequestContext _context = new(queue, options);

    /// <summary>The response payload: <c>(:ok t :result R)</c> or <c>(:ok nil :error (…))</c>. Never throws.</summary>
    public async Task<SexpList> HandleAsync(SexpList request, CancellationToken cancellationToken)
    {
        try
        {
            Sexp result = await RunAsync(request, cancellationToken).ConfigureAwait(false);
            return Sexp.Plist(("ok", Sexp.T), ("result", result));
        }
        catch (Exception e)
        {
            return Failure(e);
        }
    }

    public static SexpList Failure(Exception e) => Sexp.Plist(("ok", Sexp.Nil), ("error", HubWire.Error(e)));

    private Task<Sexp> RunAsync(SexpList p, CancellationToken ct)
    {
        string op = p.GetString("op") ?? throw new HubRequestException("bad_request", "A request needs :op, e.g. (:op \"claim\" :task \"TASK-00001\" :agent \"a1\").");
        if (!HubOperations.ByName.TryGetValue(op, out HubOperation? operation))
        {
            throw new HubRequestException("unknown_op", $"Unknown op \"{op}\". Known: {string.Join(' ', HubOperations.All.Select(o => o.Name))}.");
        }
        foreach (HubArgument a in operation.Arguments)
        {
            if (a.Required && p.Get(a.Key) is null or { IsNil: true }) throw new HubRequestException("bad_request", $"The {operation.Name} request needs :{a.Key}.");
        }
        return operation.Run(_context, p, ct);
    }
}
