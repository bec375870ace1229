using Microsoft.Extensions.Logging;
using OrgDispatch.Emacs;
using OrgDispatch.Hub;
using OrgDispatch.Lisp;
using OrgDispatch.Queue;
using OrgDispatch.Stores;

namespace OrgDispatch;

/// <summary>Where the dispatch file lives, and so how the queue reaches it (docs/transports.md).</summary>
public enum DispatchTransport
{
    /// <summary>A local file: OS lock, read, edit, atomic rename. The embedded default; needs nothing else.</summary>
    File,
    /// <summary>The buffer visiting the file in an Emacs daemon on this host, through its server socket.</summary>
    Emacs,
    /// <summary>The buffer in an Emacs daemon on another host, through one shared SSH connection.</summary>
    Ssh,
    /// <summary>An OrgDispatch hub (<c>org-dispatch serve</c>), over TCP with the Harness Communication protocol.</summary>
    Hub,
}

/// <summary>What <see cref="DispatchConnection.Open"/> needs: the transport and that transport's settings.</summary>
/// <remarks>Only the settings of the chosen transport are read; the others may stay null.</remarks>
public sealed record DispatchConnectionOptions
{
    /// <summary>The transport. Default <see cref="DispatchTransport.File"/>.</summary>
    public DispatchTransport Transport { get; init; } = DispatchTransport.File;

    /// <summary>The dispatch file (file, emacs, ssh). For file and emacs a local path, made absolute here
    /// (the daemon's working folder is not ours); for ssh the path on the remote host, absolute or
    /// relative to the remote home.</summary>
    public string? FilePath { get; init; }

    /// <summary>file: how long to wait for the file's lock; null for the store's default.</summary>
    public TimeSpan? LockTimeout { get; init; }

    /// <summary>emacs: the server socket (a name as <c>emacsclient -s</c>, a path, or a TCP server file); null
    /// to find it as emacsclient does. ssh: the socket on the remote host, found the same way there.</summary>
    public string? EmacsSocket { get; init; }

    /// <summary>emacs, ssh: how long one evaluation may take once connected; null for 30 seconds.</summary>
    public TimeSpan? EmacsTimeout { get; init; }

    /// <summary>ssh: the host and how to log in. Required for ssh.</summary>
    public SshOptions? Ssh { get; init; }

    /// <summary>emacs, ssh: how the store treats the buffer (saving, the lasting channel); null for the defaults.</summary>
    public EmacsDispatchStoreOptions? EmacsStore { get; init; }

    /// <summary>hub: the hub's address, token and timeouts. Required for hub.</summary>
    public HubClientOptions? Hub { get; init; }

    /// <summary>The queue's keywords, attempts and leases (file, emacs, ssh; a hub applies its own).</summary>
    public DispatchOptions Queue { get; init; } = DispatchOptions.Default;

    /// <summary>file, emacs, ssh: let concurrent callers share writes (group commit, as a hub does); each
    /// call still returns only once its own change is stored. Default false.</summary>
    public bool GroupCommit { get; init; }

    /// <summary>file, emacs, ssh: where the queue logs; null for no logging. (Over a hub the hub logs.)</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>
/// An open queue over any transport: the one place that turns <see cref="DispatchConnectionOptions"/>
/// into an <see cref="IDispatchQueue"/> (and the store and Emacs client under it). The CLI (every queue
/// command and <c>serve</c>) and the samples open their queue here, so adding a transport means
/// changing this class.
/// </summary>
/// <example><code>
/// await using var connection = DispatchConnection.Open(new DispatchConnectionOptions { FilePath = "dispatch.org" });
/// DispatchTask? task = await connection.Queue.NextAsync("timmy");
/// </code></example>
/// <remarks>Thread-safe, as the queue is. Disposing closes what was opened (the store, the hub
/// connection); a shared SSH connection is meant to outlive the process and is left running.</remarks>
public sealed class DispatchConnection : IAsyncDisposable
{
    private readonly IAsyncDisposable _resource;

    private DispatchConnection(DispatchTransport transport, IDispatchQueue queue, IDispatchStore? store, IEmacsEvaluator? emacs, IAsyncDisposable resource)
    {
        Transport = transport;
        Queue = queue;
        Store = store;
        Emacs = emacs;
        _resource = resource;
    }

    /// <summary>The transport in use.</summary>
    public DispatchTransport Transport { get; }

    /// <summary>The queue.</summary>
    public IDispatchQueue Queue { get; }

    /// <summary>The store under the queue (file, emacs, ssh), or null over a hub, which serves queue
    /// operations only. For edits of your own to the same file (headlines the queue leaves alone):
    /// a transaction here is serialised with the queue's, through the same lock or Emacs buffer.</summary>
    public IDispatchStore? Store { get; }

    /// <summary>The Emacs that holds the buffer (emacs, ssh), or null.</summary>
    public IEmacsEvaluator? Emacs { get; }

    /// <summary>Whether <see cref="EvaluateAsync"/> can work here: an Emacs transport, or a hub (which may still refuse).</summary>
    public bool CanEvaluate => Emacs is not null || Queue is HubDispatchQueue;

    /// <summary>Opens a connection. Nothing is read from the dispatch file or sent to Emacs or a hub until
    /// the first operation; the emacs transport does look for its server socket here.</summary>
    /// <param name="options">The transport and its settings.</param>
    /// <returns>The connection; dispose it when done.</returns>
    /// <exception cref="ArgumentException">A setting the transport needs is missing (e.g. ssh without a host), or an option is invalid.</exception>
    /// <exception cref="EmacsServerException">emacs: no server socket can be found (the message lists where it looked).</exception>
    public static DispatchConnection Open(DispatchConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Transport == DispatchTransport.Hub)
        {
            HubClientOptions hub = options.Hub ?? throw new ArgumentException("The hub transport needs the hub's address (DispatchConnectionOptions.Hub, or --hub HOST:PORT).", nameof(options));
            var remote = new HubDispatchQueue(hub);
            return new DispatchConnection(DispatchTransport.Hub, remote, null, null, remote);
        }
        (IDispatchStore store, IEmacsEvaluator? emacs) = OpenStore(options);
        if (options.GroupCommit) store = new BatchingDispatchStore(store);
        var queue = new DispatchQueue(store, options.Queue, options.LoggerFactory?.CreateLogger<DispatchQueue>());
        return new DispatchConnection(options.Transport, queue, store, emacs, store);
    }

    /// <summary>Opens the local-file transport: <c>Open</c> with <see cref="DispatchTransport.File"/>.</summary>
    /// <param name="path">The dispatch file.</param>
    /// <param name="options">The queue's options; null for the defaults.</param>
    public static DispatchConnection OpenFile(string path, DispatchOptions? options = null) =>
        Open(new DispatchConnectionOptions { FilePath = path, Queue = options ?? DispatchOptions.Default });

    /// <summary>Evaluates Emacs Lisp in the Emacs behind the queue, or through the hub (which must have been
    /// started with eval allowed).</summary>
    /// <param name="expression">One Lisp form, e.g. <c>(buffer-name)</c>.</param>
    /// <param name="cancellationToken">Cancels the wait; Emacs may already have evaluated the form.</param>
    /// <returns>The value; a printed form the reader cannot read (e.g. <c>#&lt;buffer x&gt;</c>) comes back as a string.</returns>
    /// <exception cref="NotSupportedException">The file transport has no Emacs.</exception>
    /// <exception cref="EmacsServerException">The form signalled an error (<see cref="EmacsErrorKind.LispError"/>).</exception>
    /// <exception cref="DispatchStoreException">Emacs or the hub cannot be reached.</exception>
    /// <exception cref="HubRemoteException">The hub refused (<c>eval_disabled</c>, <c>eval_unsupported</c>) or the form failed there.</exception>
    public async Task<Sexp> EvaluateAsync(string expression, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (Queue is HubDispatchQueue hub) return await hub.EvaluateAsync(expression, cancellationToken).ConfigureAwait(false);
        if (Emacs is null) throw new NotSupportedException("Evaluating Lisp needs an Emacs: use the emacs or ssh transport (or a hub serving one); the file transport has none.");
        try
        {
            EmacsResult result = await Emacs.EvaluateAsync(expression, cancellationToken).ConfigureAwait(false);
            return result.TryRead(out Sexp? value) ? value! : Sexp.String(result.Text);
        }
        catch (EmacsServerException e) when (e.Kind != EmacsErrorKind.LispError)
        {
            // Unreachable Emacs is a transport failure like any other: same type, same codes.
            throw new DispatchStoreException(e.Message, e, e.Code);
        }
    }

    /// <summary>Closes the store or the hub connection.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _resource.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            // The SSH.NET engine's connection lives in its evaluator (OpenSSH's outlives the process on purpose).
            if (Emacs is IAsyncDisposable emacs) await emacs.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static (IDispatchStore Store, IEmacsEvaluator? Emacs) OpenStore(DispatchConnectionOptions options)
    {
        string file = options.FilePath is { Length: > 0 } f ? f
            : throw new ArgumentException($"The {options.Transport.ToString().ToLowerInvariant()} transport needs the dispatch file's path (DispatchConnectionOptions.FilePath, or --file).", nameof(options));
        switch (options.Transport)
        {
            case DispatchTransport.File:
                return (new FileDispatchStore(file, options.LockTimeout), null);
            case DispatchTransport.Emacs:
            {
                var emacs = new EmacsServerClient(EmacsServerEndpoint.Resolve(options.EmacsSocket), options.EmacsTimeout);
                return (new EmacsDispatchStore(emacs, Path.GetFullPath(file), options.EmacsStore), emacs);
            }
            case DispatchTransport.Ssh:
            {
                SshOptions ssh = options.Ssh ?? throw new ArgumentException("The ssh transport needs the host (DispatchConnectionOptions.Ssh, or --host).", nameof(options));
                IEmacsEvaluator emacs = ssh.Engine == SshEngine.SshNet
                    ? new SshNetEmacsClient(ssh, options.EmacsSocket, options.EmacsTimeout)
                    : new SshEmacsClient(ssh, options.EmacsSocket, options.EmacsTimeout);
                return (new EmacsDispatchStore(emacs, file, options.EmacsStore), emacs);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Transport, "Unknown transport.");
        }
    }
}
