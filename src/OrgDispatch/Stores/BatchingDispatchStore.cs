using System.Text;
using System.Text.Unicode;
using System.Threading.Channels;
using OrgDispatch.Document;
using OrgDispatch.Queue;
using OrgDispatch.Syntax;

namespace OrgDispatch.Stores;

/// <summary>
/// Group commit over another store: transactions that arrive while a write is under way are run
/// one after another on the text in memory, then stored together in one write of the inner store
/// (for the file store: one lock, one temp file, one fsync). Each caller's task completes only
/// after the write that holds its change, so a reply sent then is durable.
/// </summary>
/// <remarks>
/// Serves many concurrent writers (a hub's clients); for a single caller it adds nothing but a
/// hop. Each transaction still sees every earlier change, its own exception fails only its own
/// caller, and reads go straight to the inner store. Thread-safe.
/// </remarks>
public sealed class BatchingDispatchStore : IDispatchStore
{
    private readonly IDispatchStore _inner;
    private readonly bool _ownsInner;
    private readonly int _maxBatch;
    private readonly Channel<IPendingUpdate> _pending = Channel.CreateUnbounded<IPendingUpdate>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _committer;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The store that holds the text.</param>
    /// <param name="maxBatch">The most transactions stored in one write.</param>
    /// <param name="ownsInner">Whether disposing this store disposes <paramref name="inner"/>.</param>
    public BatchingDispatchStore(IDispatchStore inner, int maxBatch = 256, bool ownsInner = true)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        _inner = inner;
        _ownsInner = ownsInner;
        _maxBatch = maxBatch;
        _committer = Task.Run(CommitLoopAsync);
    }

    /// <inheritdoc/>
    public string Location => _inner.Location;

    /// <inheritdoc/>
    public ValueTask<OrgDocument> ReadAsync(OrgSyntaxOptions options, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(options, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Cancellation is honoured until the transaction joins a batch; after that the write goes ahead.</remarks>
    public async ValueTask<T> UpdateAsync<T>(OrgSyntaxOptions options, Func<OrgDocument, DispatchChange<T>> transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(transaction);
        var update = new PendingUpdate<T>(options, transaction, cancellationToken);
        ObjectDisposedException.ThrowIf(!_pending.Writer.TryWrite(update), this);
        return await update.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _committer.ConfigureAwait(false);
        if (_ownsInner) await _inner.DisposeAsync().ConfigureAwait(false);
    }

    private async Task CommitLoopAsync()
    {
        var batch = new List<IPendingUpdate>(_maxBatch);
        IPendingUpdate? carried = null;
        while (carried is not null || await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            if (carried is not null) batch.Add(carried);
            carried = null;
            while (batch.Count < _maxBatch && _pending.Reader.TryRead(out IPendingUpdate? next))
            {
                // One batch parses with one set of options; a different set starts the next batch.
                if (batch.Count > 0 && !Equals(next.Options, batch[0].Options)) { carried = next; break; }
                batch.Add(next);
            }
            batch.RemoveAll(u => u.CancelIfRequested());
            if (batch.Count > 0) await CommitAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task CommitAsync(List<IPendingUpdate> batch)
    {
        if (batch.Count == 1)
        {
            await batch[0].CommitAloneAsync(_inner).ConfigureAwait(false); // nothing to combine
            return;
        }
        bool fallBack = false;
        try
        {
            OrgSyntaxOptions options = batch[0].Options;
            await _inner.UpdateAsync(options, doc =>
            {
                fallBack = false;
                // Each transaction sees the document the ones before it made, brought up to date
                // from theirs (only the headlines they touched are read again).
                OrgDocument current = doc;
                foreach (IPendingUpdate update in batch)
                {
                    IReadOnlyList<OrgTextEdit> edits = update.Run(current);
                    if (edits.Count > 0) current = current.ApplyEdits(edits);
                }
                if (ReferenceEquals(current, doc)) return new DispatchChange<bool>([], true);
                if (SpanningEdit(doc.Source.Span, current.Source.Span) is { } edit) return new DispatchChange<bool>([edit], true) { After = current };
                fallBack = true; // cannot express the change as text without touching bytes that are not UTF-8
                return new DispatchChange<bool>([], false);
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            foreach (IPendingUpdate update in batch) update.Fail(e);
            return;
        }
        if (!fallBack)
        {
            foreach (IPendingUpdate update in batch) update.Complete();
            return;
        }
        foreach (IPendingUpdate update in batch) await update.CommitAloneAsync(_inner).ConfigureAwait(false);
    }

    /// <summary>One edit that turns <paramref name="before"/> into <paramref name="after"/>: the bytes
    /// between their common prefix and suffix, or null when those bytes are not valid UTF-8.</summary>
    private static OrgTextEdit? SpanningEdit(ReadOnlySpan<byte> before, ReadOnlySpan<byte> after)
    {
        int prefix = before.CommonPrefixLength(after);
        int max = Math.Min(before.Length, after.Length) - prefix;
        int suffix = 0;
        while (suffix < max && before[^(suffix + 1)] == after[^(suffix + 1)]) suffix++;
        // Keep whole characters: do not start or end the edit inside a UTF-8 sequence.
        while (prefix > 0 && prefix < after.Length && (after[prefix] & 0xC0) == 0x80) prefix--;
        while (suffix > 0 && (after[^suffix] & 0xC0) == 0x80) suffix--;
        ReadOnlySpan<byte> middle = after[prefix..^suffix];
        if (!Utf8.IsValid(middle)) return null;
        return new OrgTextEdit(prefix, before.Length - prefix - suffix, Encoding.UTF8.GetString(middle));
    }

    private interface IPendingUpdate
    {
        OrgSyntaxOptions Options { get; }
        bool CancelIfRequested();
        IReadOnlyList<OrgTextEdit> Run(OrgDocument document);
        void Complete();
        void Fail(Exception e);
        Task CommitAloneAsync(IDispatchStore store);
    }

    private sealed class PendingUpdate<T>(OrgSyntaxOptions options, Func<OrgDocument, DispatchChange<T>> transaction, CancellationToken cancellationToken)
        : IPendingUpdate
    {
        private T _result = default!;
        private Exception? _error;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public OrgSyntaxOptions Options => options;

        public bool CancelIfRequested() => cancellationToken.IsCancellationRequested && Completion.TrySetCanceled(cancellationToken);

        public IReadOnlyList<OrgTextEdit> Run(OrgDocument document)
        {
            // The inner store may run the batch more than once; only the last run counts.
            _error = null;
            try
            {
                DispatchChange<T> change = transaction(document);
                _result = change.Result;
                return change.Edits;
            }
            catch (Exception e)
            {
                _error = e;
                return [];
            }
        }

        public void Complete()
        {
            if (_error is null) Completion.TrySetResult(_result);
            else Completion.TrySetException(_error);
        }

        public void Fail(Exception e) => Completion.TrySetException(e);

        public async Task CommitAloneAsync(IDispatchStore store)
        {
            try
            {
                Completion.TrySetResult(await store.UpdateAsync(options, transaction, CancellationToken.None).ConfigureAwait(false));
            }
            catch (Exception e)
            {
                Completion.TrySetException(e);
            }
        }
    }
}
