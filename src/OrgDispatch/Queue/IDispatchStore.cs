using OrgDispatch.Document;
using OrgDispatch.Syntax;

namespace OrgDispatch.Queue;

/// <summary>
/// Where the dispatch file's text lives. The queue logic never touches storage directly: it
/// reads a document, and hands the store a transaction that turns the current document into a
/// few text edits plus a result. The store makes that atomic its own way: the file store holds
/// an OS lock around read, edit and write; a store over a remote buffer can read with a version
/// and apply the edits only if the version is unchanged, running the transaction again if not.
/// </summary>
/// <remarks>A transaction must be a pure function of the document it is given: a store may run
/// it more than once, and applies only the edits of the last run. Exceptions thrown by the
/// transaction propagate, and nothing is written.</remarks>
public interface IDispatchStore : IAsyncDisposable
{
    /// <summary>A description of where the text lives, for messages and status (e.g. a path).</summary>
    string Location { get; }

    /// <summary>Reads the current text.</summary>
    /// <param name="options">The syntax options to parse with (the file's own in-buffer settings win).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="DispatchStoreException">The text cannot be read.</exception>
    ValueTask<OrgDocument> ReadAsync(OrgSyntaxOptions options, CancellationToken cancellationToken = default);

    /// <summary>Runs <paramref name="transaction"/> on the current text and applies its edits atomically:
    /// no other change lands between the read and the write, and a failure leaves the old text whole.</summary>
    /// <typeparam name="T">What the transaction returns.</typeparam>
    /// <param name="options">The syntax options to parse with.</param>
    /// <param name="transaction">Turns the current document into edits (byte offsets into that document) and a result.</param>
    /// <param name="cancellationToken">Cancels the wait for the lock or the retry loop; never a write halfway.</param>
    /// <returns>The result of the transaction run whose edits were applied.</returns>
    /// <exception cref="DispatchStoreException">The text cannot be read or written.</exception>
    ValueTask<T> UpdateAsync<T>(OrgSyntaxOptions options, Func<OrgDocument, DispatchChange<T>> transaction, CancellationToken cancellationToken = default);
}

/// <summary>What a transaction decided: the edits to make (none for a read) and its result.</summary>
/// <typeparam name="T">The result type.</typeparam>
/// <param name="Edits">Edits against the document the transaction was given, sorted and not overlapping.</param>
/// <param name="Result">The value the transaction returns to its caller.</param>
public readonly record struct DispatchChange<T>(IReadOnlyList<OrgTextEdit> Edits, T Result)
{
    /// <summary>The document the edits make, when the transaction has it already (a batch of
    /// transactions does): a store may keep it instead of applying the edits itself.</summary>
    internal OrgDocument? After { get; init; }

    /// <summary>The document after this change: <see cref="After"/>, or the edits applied to <paramref name="before"/>.</summary>
    internal OrgDocument Apply(OrgDocument before) => After ?? before.ApplyEdits(Edits);
}
