using System.Text;
using OrgDispatch.Document;
using OrgDispatch.Queue;
using OrgDispatch.Syntax;

namespace OrgDispatch.Stores;

/// <summary>A dispatch file held in memory: for tests of code that uses a <see cref="DispatchQueue"/>,
/// and for programs that keep the queue themselves. Transactions run one at a time.</summary>
public sealed class InMemoryDispatchStore : IDispatchStore
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[] _text;

    /// <summary>Starts with <paramref name="text"/> (e.g. a dispatch file's text).</summary>
    public InMemoryDispatchStore(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _text = Encoding.UTF8.GetBytes(text);
    }

    /// <inheritdoc/>
    public string Location => "memory";

    /// <summary>The current text.</summary>
    public string Text => Encoding.UTF8.GetString(Volatile.Read(ref _text));

    /// <inheritdoc/>
    public ValueTask<OrgDocument> ReadAsync(OrgSyntaxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(OrgDocument.Build(Volatile.Read(ref _text), options));
    }

    /// <inheritdoc/>
    public async ValueTask<T> UpdateAsync<T>(OrgSyntaxOptions options, Func<OrgDocument, DispatchChange<T>> transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(transaction);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            byte[] current = _text;
            DispatchChange<T> change = transaction(OrgDocument.Build(current, options));
            if (change.Edits.Count > 0) Volatile.Write(ref _text, OrgTextEdit.Apply(current, change.Edits));
            return change.Result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
