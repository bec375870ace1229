using System.Text;
using OrgDispatch.Document;
using OrgDispatch.Lisp;
using OrgDispatch.Queue;
using OrgDispatch.Syntax;
using OrgDispatch.Text;

namespace OrgDispatch.Emacs;

/// <summary>
/// The Emacs transport: the dispatch file is the buffer visiting it in a running Emacs, reached
/// through an <see cref="IEmacsEvaluator"/> (the local server socket, or SSH). The buffer, not the
/// file on disk, is the truth: a person's unsaved edits are seen, and a change appears in their
/// window at once (their point and window stay put).
/// </summary>
/// <remarks>
/// A read fetches the buffer's text with its version; a change sends its edits with the version it
/// read, and Emacs applies them in one evaluation only if the buffer is unchanged
/// (compare-and-swap); on a conflict the transaction runs again on the new text. The Lisp side
/// (<c>orgdispatch.el</c>, embedded) is loaded into Emacs the first time it is missing or outdated.
/// The last text read is kept, so an unchanged buffer is not sent again. Requests go over one
/// lasting connection (<see cref="EmacsDispatchStoreOptions.UseChannel"/>); dispose the store to close it.
/// </remarks>
public sealed class EmacsDispatchStore : IDispatchStore
{
    // Bump together with orgdispatch-el-version in orgdispatch.el.
    private const int LispVersion = 4;
    private static readonly Lazy<string> LispLibrary = new(LoadLispLibrary);

    private readonly IEmacsEvaluator _emacs;
    private readonly string _fileLiteral;
    private readonly SemaphoreSlim _channelGate = new(1, 1);
    private Snapshot? _last;
    private EmacsChannel? _channel;
    private bool _noChannel;

    /// <summary>Creates the store; nothing is sent to Emacs until the first operation.</summary>
    /// <param name="emacs">The Emacs to work in.</param>
    /// <param name="filePath">The dispatch file as Emacs names it: absolute, or relative to the home directory of the user Emacs runs as.</param>
    /// <param name="options">Saving and retries; null for the defaults.</param>
    public EmacsDispatchStore(IEmacsEvaluator emacs, string filePath, EmacsDispatchStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(emacs);
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        _emacs = emacs;
        FilePath = filePath;
        Options = options ?? new EmacsDispatchStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxAttempts, 1, nameof(options));
        _fileLiteral = LispString(filePath);
    }

    /// <summary>The dispatch file, as Emacs names it.</summary>
    public string FilePath { get; }

    /// <summary>The options in use.</summary>
    public EmacsDispatchStoreOptions Options { get; }

    /// <inheritdoc/>
    public string Location => $"{FilePath} in Emacs at {_emacs.Description}";

    /// <inheritdoc/>
    public async ValueTask<OrgDocument> ReadAsync(OrgSyntaxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Snapshot snapshot = await FetchAsync(cancellationToken).ConfigureAwait(false);
        return snapshot.DocumentFor(options);
    }

    /// <inheritdoc/>
    public async ValueTask<T> UpdateAsync<T>(OrgSyntaxOptions options, Func<OrgDocument, DispatchChange<T>> transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(transaction);
        Snapshot? current = null;
        for (int attempt = 1; ; attempt++)
        {
            Snapshot snapshot = current ?? await FetchAsync(cancellationToken).ConfigureAwait(false);
            OrgDocument document = snapshot.DocumentFor(options);
            DispatchChange<T> change = transaction(document);
            if (change.Edits.Count == 0) return change.Result;
            SexpList reply = await CallAsync(
                $"(orgdispatch-apply {_fileLiteral} {LispString(snapshot.Version)} {EditsLiteral(snapshot.Text, change.Edits)} {(Options.SaveAfterChange ? "t" : "nil")})",
                cancellationToken).ConfigureAwait(false);
            if (reply.GetString("version") is { } version)
            {
                // The buffer now holds exactly these edits applied: keep that document, no re-read.
                OrgDocument next = change.Apply(document);
                Volatile.Write(ref _last, new Snapshot(version, next.SourceArray) { Document = next });
                return change.Result;
            }
            if (attempt >= Options.MaxAttempts)
            {
                throw new DispatchStoreException(
                    $"Gave up changing {Location} after {attempt} attempts: the buffer changed under every one (someone is editing it non-stop?).");
            }
            // Someone changed the buffer between our read and our edit. The refusal carries the new
            // text, so decide again on it (if it changes again meanwhile, the version check refuses
            // again), after a random pause that doubles up to 200 ms so that racing agents spread
            // out instead of keeping Emacs busy with doomed attempts.
            current = reply.GetString("conflict") is { } newVersion && reply.GetString("text") is { } text
                ? new Snapshot(newVersion, Convert.FromBase64String(text))
                : null;
            if (current is not null) Volatile.Write(ref _last, current);
            await Task.Delay(Random.Shared.Next(1, Math.Min(200, 4 << Math.Min(attempt, 6))), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Saves the buffer if it has unsaved changes (for <see cref="EmacsDispatchStoreOptions.SaveAfterChange"/> false).</summary>
    public async Task SaveAsync(CancellationToken cancellationToken = default) =>
        await CallAsync($"(orgdispatch-save {_fileLiteral})", cancellationToken).ConfigureAwait(false);

    /// <summary>Closes the lasting connection to Emacs, if one was opened. The evaluator is not the store's.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _channel, null) is { } channel) await channel.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<Snapshot> FetchAsync(CancellationToken cancellationToken)
    {
        Snapshot? last = Volatile.Read(ref _last);
        SexpList reply = await CallAsync($"(orgdispatch-read {_fileLiteral} {LispString(last?.Version)})", cancellationToken).ConfigureAwait(false);
        string version = reply.GetString("version") ?? throw Malformed(reply);
        if (reply.GetString("text") is not { } base64)
        {
            if (last is not null && last.Version == version) return last;
            throw Malformed(reply);
        }
        var snapshot = new Snapshot(version, Convert.FromBase64String(base64));
        Volatile.Write(ref _last, snapshot);
        return snapshot;
    }

    // Runs FORM if this Emacs has our functions at the right version; loads them first if not.
    private async Task<SexpList> CallAsync(string form, CancellationToken cancellationToken)
    {
        try
        {
            Sexp value = await GuardedAsync(EvaluateAsync, form, cancellationToken).ConfigureAwait(false);
            if (value is not SexpList reply) throw Malformed(value);
            if (reply.GetString("error") is { } error) throw new DispatchStoreException($"Emacs ({_emacs.Description}): {error}");
            return reply;
        }
        catch (EmacsServerException e)
        {
            throw new DispatchStoreException(e.Message, e, e.Code);
        }
        catch (SexpFormatException e)
        {
            throw new DispatchStoreException($"Emacs at {_emacs.Description} answered something unreadable: {e.Message}", e);
        }
    }

    private static async Task<Sexp> GuardedAsync(Func<string, CancellationToken, Task<Sexp>> evaluate, string form, CancellationToken cancellationToken)
    {
        string guarded = $"(if (eq (bound-and-true-p orgdispatch-el-version) {LispVersion}) {form} 'orgdispatch-not-loaded)";
        Sexp value = await evaluate(guarded, cancellationToken).ConfigureAwait(false);
        if (value is not SexpSymbol { Name: "orgdispatch-not-loaded" }) return value;
        await evaluate(LispLibrary.Value, cancellationToken).ConfigureAwait(false);
        return await evaluate(guarded, cancellationToken).ConfigureAwait(false);
    }

    // Through the lasting channel when there is one, else through the evaluator.
    private async Task<Sexp> EvaluateAsync(string form, CancellationToken cancellationToken)
    {
        if (await GetChannelAsync(cancellationToken).ConfigureAwait(false) is not { } channel) return await EvaluateDirectlyAsync(form, cancellationToken).ConfigureAwait(false);
        try
        {
            return SexpReader.Read(await channel.EvaluateAsync(form, cancellationToken).ConfigureAwait(false));
        }
        catch (EmacsServerException e) when (e is { Kind: EmacsErrorKind.ConnectionLost, NoReply: true })
        {
            // Another call broke the channel before this one sent anything: go the other way.
            return await EvaluateDirectlyAsync(form, cancellationToken).ConfigureAwait(false);
        }
        catch (EmacsServerException e) when (e.Kind == EmacsErrorKind.ConnectionLost && !channel.AnsweredAny)
        {
            // A new channel that never answered (a forward that cannot reach it): this store stops
            // using channels and goes the other way.
            _noChannel = true;
            return await EvaluateDirectlyAsync(form, cancellationToken).ConfigureAwait(false);
        }
        catch (EmacsServerException e) when (e.Kind == EmacsErrorKind.ConnectionLost)
        {
            // If Emacs itself is gone, say so precisely (daemon not running, socket missing).
            await _emacs.EvaluateAsync("t", cancellationToken).ConfigureAwait(false);
            throw;
        }
        finally
        {
            // A broken channel is replaced on the next call.
            if (channel.IsBroken && Interlocked.CompareExchange(ref _channel, null, channel) == channel) await channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<Sexp> EvaluateDirectlyAsync(string form, CancellationToken cancellationToken) =>
        (await _emacs.EvaluateAsync(form, cancellationToken).ConfigureAwait(false)).Read();

    // A lasting connection to orgdispatch.el's own small server (directly, or forwarded over SSH):
    // one frame each way per request instead of a server-protocol client per request. Asked for
    // through the server protocol; a daemon that cannot have one (a TCP server) is not asked again.
    private async Task<EmacsChannel?> GetChannelAsync(CancellationToken cancellationToken)
    {
        if (!Options.UseChannel || _noChannel || _emacs is not IEmacsChannelRoute { CanRoute: true } route) return null;
        if (Volatile.Read(ref _channel) is { } open) return open;
        await _channelGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_channel is { } raced) return raced;
            _channel = await route.OpenChannelAsync((form, t) => GuardedAsync(EvaluateDirectlyAsync, form, t), cancellationToken).ConfigureAwait(false);
            _noChannel = _channel is null;
            return _channel;
        }
        catch (EmacsServerException e) when (e.Kind == EmacsErrorKind.LispError)
        {
            _noChannel = true; // it could not start one: carry on without
            return null;
        }
        catch (EmacsServerException e) when (e is { Kind: EmacsErrorKind.ConnectionLost, NoReply: true })
        {
            return null; // not this time: the request goes the other way, and the next one tries again
        }
        finally
        {
            _channelGate.Release();
        }
    }

    private DispatchStoreException Malformed(Sexp value) =>
        new($"Emacs at {_emacs.Description} answered {SexpPrinter.Print(value)}; expected OrgDispatch's reply (another orgdispatch.el loaded?).");

    // (START END OLD NEW) per edit: 1-based character positions, and base64 UTF-8 text, so the
    // request stays ASCII. Edits are sorted, so one pass over the text converts every offset.
    private static string EditsLiteral(byte[] text, IReadOnlyList<OrgTextEdit> edits)
    {
        var sb = new StringBuilder("(list");
        int byteOffset = 0, charPosition = 1;
        foreach (OrgTextEdit edit in edits)
        {
            charPosition += Utf8Text.CountEmacsChars(text.AsSpan(byteOffset, edit.Start - byteOffset));
            int end = charPosition + Utf8Text.CountEmacsChars(text.AsSpan(edit.Start, edit.Length));
            sb.Append(" '(").Append(charPosition).Append(' ').Append(end)
              .Append(" \"").Append(Convert.ToBase64String(text, edit.Start, edit.Length))
              .Append("\" \"").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(edit.Text))).Append("\")");
            byteOffset = edit.Start;
        }
        return sb.Append(')').ToString();
    }

    /// <summary>A Lisp string literal in ASCII: non-ASCII characters as <c>\uXXXX</c> or <c>\U00XXXXXX</c>,
    /// so the request reads the same whatever coding system the daemon decodes it with. Null is nil.</summary>
    internal static string LispString(string? value)
    {
        if (value is null) return "nil";
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (Rune r in value.EnumerateRunes())
        {
            if (r.Value is '"' or '\\') sb.Append('\\').Append((char)r.Value);
            else if (r.IsAscii) sb.Append((char)r.Value);
            else if (r.IsBmp) sb.Append("\\u").Append(r.Value.ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            else sb.Append("\\U").Append(r.Value.ToString("X8", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.Append('"').ToString();
    }

    private static string LoadLispLibrary()
    {
        using Stream stream = typeof(EmacsDispatchStore).Assembly.GetManifestResourceStream("OrgDispatch.orgdispatch.el")
            ?? throw new InvalidOperationException("The OrgDispatch assembly lacks its embedded orgdispatch.el.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return "(progn " + reader.ReadToEnd() + "\n(featurep 'emacs))";
    }

    // The buffer's text at a version, and its document once parsed: the buffer's version (Emacs's
    // modification tick) is unchanged exactly while this text is its text.
    private sealed record Snapshot(string Version, byte[] Text)
    {
        public OrgDocument? Document { get; set; }

        public OrgDocument DocumentFor(OrgSyntaxOptions options)
        {
            if (Document is { } kept && Equals(kept.BaseOptions, options)) return kept;
            return Document = OrgDocument.Build(Text, options);
        }
    }
}

/// <summary>How the <see cref="EmacsDispatchStore"/> works on the buffer.</summary>
public sealed record EmacsDispatchStoreOptions
{
    /// <summary>Save the buffer after each change (default true), so the file on disk follows. The person's
    /// own unsaved edits are saved with it. When false, the buffer is left modified for the person to save.</summary>
    public bool SaveAfterChange { get; init; } = true;

    /// <summary>Talk to Emacs over one lasting connection to a small server that <c>orgdispatch.el</c>
    /// starts beside the Emacs server's socket (default true; over SSH it is forwarded like the server
    /// socket): a request then costs Emacs a fraction of a server-protocol evaluation. False, or a
    /// daemon serving over TCP: every request through the server protocol.</summary>
    public bool UseChannel { get; init; } = true;

    /// <summary>How many times a change is tried when the buffer keeps changing between the read and
    /// the edit (default 100); each retry waits a few random milliseconds.</summary>
    public int MaxAttempts { get; init; } = 100;
}
