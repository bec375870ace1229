using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using OrgDispatch.Document;
using OrgDispatch.Queue;
using OrgDispatch.Syntax;

namespace OrgDispatch.Stores;

/// <summary>
/// The local-file transport, the embedded default: the dispatch file on this machine's disk.
/// A change takes an OS lock on a sidecar file (<c>.NAME.lock</c> beside the dispatch file),
/// reads the file as it is on disk now, applies the transaction's edits, writes a temporary
/// file in the same folder, flushes it to disk, renames it over the original (atomic) and
/// flushes the folder. A crash at any point leaves the old file or the new one, never a mix.
/// </summary>
/// <remarks>
/// <para>The lock is advisory (<c>flock</c> on Unix): every OrgDispatch process honours it, an editor,
/// <c>git pull</c> or <c>echo &gt;&gt;</c> does not. So a change also checks that nobody else wrote
/// the file since it was read (device, inode, size and times to the nanosecond; the bytes too when
/// the last change was recent) just before the rename, and afterwards that nothing landed in the file
/// it replaced; either way the transaction runs again on the new text (a few times, then
/// <see cref="FileStoreErrorCodes.ForeignWrites"/>). docs/transports.md says how small the window left is.</para>
/// <para>A symlink is followed and its target replaced (the link stays); the owner and mode are kept.
/// A file with several hard links is refused (<see cref="FileStoreErrorCodes.HardLinked"/>): replacing
/// it would split them. Reads take no lock: the rename means a reader sees a whole file, old or new.</para>
/// </remarks>
public sealed partial class FileDispatchStore : IDispatchStore
{
    // One gate per file per process, so threads queue here instead of polling the OS lock.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);
    private static int s_directorySyncUnavailable;

    private readonly SemaphoreSlim _gate;
    private bool _cleaned;
    // The document as this store last read or wrote it: trusted again only while the file's bytes
    // are exactly its bytes (compared on every read), so another writer's change is always seen.
    private OrgDocument? _kept;

    /// <summary>Opens the store for the file at <paramref name="path"/>; nothing is touched until the first operation.</summary>
    /// <param name="path">The dispatch file. It must exist by the first operation (see <see cref="CreateAsync(string, DispatchOptions?, CancellationToken)"/>).</param>
    /// <param name="lockTimeout">How long a change waits for the lock before it fails; default 10 seconds.</param>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    public FileDispatchStore(string path, TimeSpan? lockTimeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        FilePath = System.IO.Path.GetFullPath(path);
        LockTimeout = lockTimeout ?? TimeSpan.FromSeconds(10);
        if (LockTimeout < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lockTimeout), lockTimeout, "The lock timeout cannot be negative.");
        _gate = Gates.GetOrAdd(FilePath, _ => new SemaphoreSlim(1, 1));
    }

    /// <summary>The dispatch file's full path.</summary>
    public string FilePath { get; }

    /// <summary>How long a change waits for the lock.</summary>
    public TimeSpan LockTimeout { get; }

    /// <inheritdoc/>
    public string Location => FilePath;

    /// <summary>Creates an empty dispatch file, atomically: the <c>#+TODO:</c> line for the keywords (so Org
    /// reads them too) and the activity headline. Fails if the file exists.</summary>
    /// <param name="path">Where to create it.</param>
    /// <param name="options">The keywords and activity headline to write; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels before the file is created.</param>
    /// <exception cref="DispatchStoreException">The file exists, or the folder cannot be written.</exception>
    public static Task CreateAsync(string path, DispatchOptions? options = null, CancellationToken cancellationToken = default) =>
        CreateAsync(path, DispatchQueue.NewFileText(options), cancellationToken);

    /// <summary>Creates a file with <paramref name="text"/>, atomically; fails if it exists.</summary>
    internal static async Task CreateAsync(string path, string text, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(text);
        string full = System.IO.Path.GetFullPath(path);
        string tmp = TempName(full);
        try
        {
            // Under the lock, so no other writer runs and the stale-temp sweep has already happened.
            await using var store = new FileDispatchStore(full);
            using var held = await store.LockAsync(full, cancellationToken).ConfigureAwait(false);
            if (File.Exists(full)) throw new DispatchStoreException($"{full} already exists.");
            WriteTemp(tmp, System.Text.Encoding.UTF8.GetBytes(text), null, null);
            File.Move(tmp, full);
            SyncDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DispatchStoreException($"Cannot create {full}: {Reason(e)}.", e, Classify(e));
        }
        finally
        {
            TryDelete(tmp);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<OrgDocument> ReadAsync(OrgSyntaxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The kept document while the file holds its bytes: compared in pooled pieces, nothing read into memory.
        if (Volatile.Read(ref _kept) is { } kept && Equals(kept.BaseOptions, options) && FileHoldsOrFalse(FilePath, kept.SourceArray)) return kept;
        return Keep(await ReadBytesAsync(cancellationToken).ConfigureAwait(false), options);
    }

    // The kept document if BYTES are its text, else a new one from them (kept from now on).
    private OrgDocument Keep(byte[] bytes, OrgSyntaxOptions options)
    {
        if (Volatile.Read(ref _kept) is { } kept && Equals(kept.BaseOptions, options) && (ReferenceEquals(kept.SourceArray, bytes) || kept.Source.Span.SequenceEqual(bytes))) return kept;
        OrgDocument document = OrgDocument.Build(bytes, options);
        Volatile.Write(ref _kept, document);
        return document;
    }

    /// <inheritdoc/>
    public async ValueTask<T> UpdateAsync<T>(OrgSyntaxOptions options, Func<OrgDocument, DispatchChange<T>> transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(transaction);
        string target = ResolveTarget();
        using Lock held = await LockAsync(target, cancellationToken).ConfigureAwait(false);
        for (int attempt = 1; ; attempt++)
        {
            long readStarted = FileIdentity.NowNs();
            using FileStream read = OpenForRead(target);
            (byte[] current, FileIdentity seen) = ReadSteady(read, target, Volatile.Read(ref _kept));
            if (seen.Links > 1)
            {
                throw new DispatchStoreException(
                    $"The dispatch file {target} has {seen.Links} hard links: replacing it would split them, so it is unchanged. Give it one name (a symlink works).",
                    code: FileStoreErrorCodes.HardLinked);
            }
            OrgDocument document = Keep(current, options);
            DispatchChange<T> change = transaction(document);
            if (change.Edits.Count == 0) return change.Result;
            OrgDocument next = change.Apply(document);
            // From here on the write runs to the end: cancelling halfway would only leave a temp file.
            if (Replace(target, next.SourceArray, current, seen, readStarted, read))
            {
                Volatile.Write(ref _kept, next);
                return change.Result;
            }
            if (attempt == MaxForeignAttempts)
            {
                throw new DispatchStoreException(
                    $"The dispatch file {target} changed under every one of {MaxForeignAttempts} attempts to change it: another program writes it without OrgDispatch's lock. Its writes are kept; this change was not made.",
                    code: FileStoreErrorCodes.ForeignWrites);
            }
        }
    }

    /// <summary>Checks what a change needs, without changing anything: the file (and a symlink's
    /// target), reading it, creating a file in its folder, and taking the lock.</summary>
    internal async Task<IReadOnlyList<DispatchCheck>> DiagnoseAsync(CancellationToken cancellationToken)
    {
        List<DispatchCheck> checks = [];
        string target;
        try
        {
            target = ResolveTarget();
        }
        catch (DispatchStoreException e)
        {
            checks.Add(new("file", DispatchCheckOutcome.Failed, e.Message, "Point the symlink at the dispatch file, or give the file's own path."));
            return checks;
        }
        FileIdentity? identity;
        try
        {
            identity = FileIdentity.OfPath(target);
        }
        catch (IOException e)
        {
            checks.Add(new("file", DispatchCheckOutcome.Failed, $"Cannot inspect {target}: {Reason(e)}.", "Let this user reach the file (search permission on every folder on the way)."));
            return checks;
        }
        string shown = target == FilePath ? FilePath : $"{FilePath} (a symlink to {target})";
        if (identity is null)
        {
            checks.Add(new("file", DispatchCheckOutcome.Failed, $"{shown} does not exist.", $"Create it: org-dispatch init --file {FilePath}"));
            return checks;
        }
        if (!identity.Value.IsRegularFile)
        {
            checks.Add(new("file", DispatchCheckOutcome.Failed, $"{shown} is not a regular file.", "Give the path of the dispatch file itself."));
            return checks;
        }
        if (identity.Value.Links > 1)
        {
            checks.Add(new("file", DispatchCheckOutcome.Failed, $"{shown} has {identity.Value.Links} hard links; changes would split them.", "Keep one name and make the others symlinks (ln -sf)."));
            return checks;
        }
        checks.Add(new("file", DispatchCheckOutcome.Ok, shown));
        try
        {
            byte[] bytes = await File.ReadAllBytesAsync(target, cancellationToken).ConfigureAwait(false);
            checks.Add(new("read", DispatchCheckOutcome.Ok, $"{bytes.Length:N0} bytes"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            checks.Add(new("read", DispatchCheckOutcome.Failed, $"Cannot read {target}: {Reason(e)}.", "Give this user read permission on the file."));
        }
        string folder = System.IO.Path.GetDirectoryName(target)!;
        string probe = TempName(target);
        try
        {
            WriteTemp(probe, "\n"u8.ToArray(), null, null);
            checks.Add(new("write", DispatchCheckOutcome.Ok, $"{folder} takes new files (every change is written beside the file, then renamed over it)"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            checks.Add(new("write", DispatchCheckOutcome.Failed, $"Cannot create a file in {folder}: {Reason(e)}.", WriteRemedy(Classify(e)) ?? WriteRemedy(FileStoreErrorCodes.PermissionDenied)));
        }
        finally
        {
            TryDelete(probe);
        }
        var quick = new FileDispatchStore(FilePath, TimeSpan.FromSeconds(2));
        try
        {
            using (await quick.LockAsync(target, cancellationToken).ConfigureAwait(false))
            {
                checks.Add(new("lock", DispatchCheckOutcome.Ok, $"{LockPathFor(target)} taken and released"));
            }
        }
        catch (DispatchStoreException e) when (e.Code == FileStoreErrorCodes.Locked)
        {
            checks.Add(new("lock", DispatchCheckOutcome.Warning, e.Message, "An agent or a hub may be busy; if it stays so, look for a stuck process (fuser " + LockPathFor(target) + ")."));
        }
        catch (DispatchStoreException e)
        {
            checks.Add(new("lock", DispatchCheckOutcome.Failed, e.Message, $"Let this user create and lock {LockPathFor(target)}."));
        }
        return checks;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>How many times a change runs before giving up on a file that others keep writing.</summary>
    internal const int MaxForeignAttempts = 8;

    /// <summary>Runs just before the final check (tests: a foreign write in the window).</summary>
    internal Action<string>? BeforeCheckForTests { get; set; }

    /// <summary>Runs just after the rename, while the replaced file is still held open (tests: a late write into it).</summary>
    internal Action<string>? AfterRenameForTests { get; set; }

    // Writes UPDATED over TARGET if it is still what was read. False when another writer changed it
    // (before the rename, or into the replaced file around it): the file then holds the other
    // writer's text and the caller runs the transaction again.
    private bool Replace(string target, byte[] updated, byte[] current, FileIdentity seen, long readStarted, FileStream read)
    {
        string tmp = TempName(target);
        bool renamed = false;
        try
        {
            WriteTemp(tmp, updated, seen.Precise ? seen : null, read);
            BeforeCheckForTests?.Invoke(target);
            if (!StillAsRead(target, current, seen, readStarted)) return false;
            File.Move(tmp, target, overwrite: true);
            renamed = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw WriteFailed(target, e);
        }
        finally
        {
            if (!renamed) TryDelete(tmp);
        }
        SyncDirectory(target);
        AfterRenameForTests?.Invoke(target);
        // A writer that opened the file before the rename and wrote after the check wrote into the
        // file now replaced: put its text back and run again, so that nothing it wrote is lost.
        // (The rename itself changes the replaced file's link count and change time, not its content.)
        FileIdentity after = FileIdentity.Of(read.SafeFileHandle, target);
        if (after.SameContentAs(seen) && !seen.ChangedNear(readStarted)) return true;
        byte[] theirs;
        try
        {
            if (HoldsExactly(read, current)) return true;
            theirs = ReadFromStart(read, target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DispatchStoreException)
        {
            return true; // the change is made; what the replaced file holds cannot be read back to check
        }
        RestoreTheirs(target, theirs, updated, seen);
        return false;
    }

    // Whether STREAM, read from its start, holds exactly EXPECTED: in pooled pieces, so that checking
    // a large file allocates nothing.
    private static bool HoldsExactly(FileStream stream, ReadOnlySpan<byte> expected)
    {
        if (stream.Length != expected.Length) return false;
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            stream.Position = 0;
            int at = 0;
            while (true)
            {
                int read = stream.Read(buffer, 0, buffer.Length);
                if (read == 0) return at == expected.Length;
                if (at + read > expected.Length || !buffer.AsSpan(0, read).SequenceEqual(expected.Slice(at, read))) return false;
                at += read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Whether the file at PATH holds exactly EXPECTED (IO errors propagate).
    private static bool FileHolds(string path, ReadOnlySpan<byte> expected)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        return HoldsExactly(stream, expected);
    }

    // The same, false when it cannot be read (whoever reads it next says why).
    private static bool FileHoldsOrFalse(string path, byte[] expected)
    {
        try
        {
            return FileHolds(path, expected);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // Is TARGET still the file read (same identity; same bytes when the times could hide a change)?
    internal static bool StillAsRead(string target, byte[] current, FileIdentity seen, long readStarted)
    {
        FileIdentity? now = FileIdentity.OfPath(target);
        if (now is not { } identity) throw Vanished(target);
        if (!identity.IsRegularFile) throw NotAFile(target);
        if (identity != seen) return false;
        if (!seen.ChangedNear(readStarted)) return true;
        try
        {
            return FileHolds(target, current);
        }
        catch (FileNotFoundException e)
        {
            throw Vanished(target, e);
        }
    }

    // Puts back the text another writer left in the file just replaced, over our own text, so the
    // transaction runs again on it. Our change is in the file by now: a failure here must say so.
    private static void RestoreTheirs(string target, byte[] theirs, byte[] ours, FileIdentity seen)
    {
        bool stillOurs = FileIdentity.OfPath(target) is { IsRegularFile: true } && FileHoldsOrFalse(target, ours);
        string tmp = TempName(target);
        bool renamed = false;
        try
        {
            if (stillOurs)
            {
                WriteTemp(tmp, theirs, seen.Precise ? seen : null, null);
                File.Move(tmp, target, overwrite: true);
                renamed = true;
                SyncDirectory(target);
                return;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw TheirsAside(target, theirs, $"putting it back failed ({Reason(e)})", e);
        }
        finally
        {
            if (!renamed) TryDelete(tmp);
        }
        throw TheirsAside(target, theirs, "yet another program has replaced the file since", null);
    }

    // The last resort: the other writer's text goes beside the file, and the error says where.
    private static DispatchStoreException TheirsAside(string target, byte[] theirs, string why, Exception? inner)
    {
        string aside = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(target)!, $"{System.IO.Path.GetFileName(target)}.foreign-{DateTime.UtcNow:yyyyMMddTHHmmssfff}");
        string kept;
        try
        {
            File.WriteAllBytes(aside, theirs);
            kept = $"its text is saved as {aside}: merge it by hand";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            kept = $"its text could not be saved either ({Reason(e)})";
        }
        return new DispatchStoreException(
            $"OrgDispatch changed {target}, but another program wrote into the file it replaced, and {why}; {kept}.", inner, FileStoreErrorCodes.ForeignWrites);
    }

    // A new file with BYTES, flushed to disk, with the owner and mode of the file it will replace.
    private static void WriteTemp(string tmp, byte[] bytes, FileIdentity? like, FileStream? likeOpen)
    {
        using var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1);
        if (!OperatingSystem.IsWindows())
        {
            if (like is { } identity)
            {
                FileIdentity.SetOwner(fs.SafeFileHandle, identity.Owner, identity.Group);
                File.SetUnixFileMode(fs.SafeFileHandle, (UnixFileMode)(identity.Mode & 0xFFF));
            }
            else if (likeOpen is not null)
            {
                File.SetUnixFileMode(fs.SafeFileHandle, File.GetUnixFileMode(likeOpen.SafeFileHandle));
            }
        }
        fs.Write(bytes);
        fs.Flush(flushToDisk: true);
    }

    // The file a change replaces: the dispatch file, or what its symlink (chain) points to.
    private string ResolveTarget()
    {
        try
        {
            return File.ResolveLinkTarget(FilePath, returnFinalTarget: true)?.FullName ?? FilePath;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return FilePath; // nothing there: reading it says so
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DispatchStoreException($"Cannot reach the dispatch file {FilePath}: {Reason(e)} (a folder on the way may not be searchable by this user); nothing was changed.", e, FileStoreErrorCodes.PermissionDenied);
        }
        catch (IOException e)
        {
            throw new DispatchStoreException($"The dispatch file {FilePath} is a symlink that cannot be followed: {Reason(e)}; nothing was changed.", e, FileStoreErrorCodes.FileMissing);
        }
    }

    private static FileStream OpenForRead(string target)
    {
        try
        {
            if (Directory.Exists(target)) throw NotAFile(target);
            return new FileStream(target, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ReadFailed(target, e);
        }
    }

    private static byte[] ReadFromStart(FileStream stream, string target)
    {
        stream.Position = 0;
        return ReadAll(stream, target);
    }

    private static byte[] ReadAll(FileStream stream, string target)
    {
        try
        {
            var bytes = new MemoryStream(stream.CanSeek ? (int)Math.Min(stream.Length, int.MaxValue) : 0);
            stream.CopyTo(bytes);
            return bytes.Length == bytes.Capacity ? bytes.GetBuffer() : bytes.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ReadFailed(target, e);
        }
    }

    // The bytes and the identity they belong to: read again if the file changed while being read.
    // When the file still holds the kept document's text, that text is returned (nothing allocated).
    private static (byte[] Bytes, FileIdentity Identity) ReadSteady(FileStream read, string target, OrgDocument? kept)
    {
        for (int attempt = 1; ; attempt++)
        {
            FileIdentity before = FileIdentity.Of(read.SafeFileHandle, target);
            byte[] bytes;
            try
            {
                bytes = kept is not null && HoldsExactly(read, kept.Source.Span) ? kept.SourceArray : ReadFromStart(read, target);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw ReadFailed(target, e);
            }
            FileIdentity after = FileIdentity.Of(read.SafeFileHandle, target);
            if ((after.SameContentAs(before) && after.Size == bytes.Length) || attempt == MaxForeignAttempts) return (bytes, after);
        }
    }

    private async Task<byte[]> ReadBytesAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (Directory.Exists(FilePath)) throw NotAFile(FilePath);
            return await File.ReadAllBytesAsync(FilePath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ReadFailed(FilePath, e);
        }
    }

    private static DispatchStoreException ReadFailed(string target, Exception e) => e is FileNotFoundException or DirectoryNotFoundException
        ? new($"The dispatch file {target} does not exist (create one with `org-dispatch init`).", e, FileStoreErrorCodes.FileMissing)
        : new($"Cannot read the dispatch file {target}: {e.Message}", e, Classify(e));

    private static DispatchStoreException WriteFailed(string target, Exception e)
    {
        string code = Classify(e);
        return new DispatchStoreException($"Cannot write the dispatch file {target}: {Reason(e)}; it is unchanged.{(WriteRemedy(code) is { } r ? " " + r : "")}", e, code);
    }

    // What to do when writing beside the file fails for the reason CODE names.
    private static string? WriteRemedy(string code) => code switch
    {
        FileStoreErrorCodes.NoSpace => "Free some space on that disk and try again.",
        FileStoreErrorCodes.ReadOnly => "The file system is read-only: mount it read-write, or move the file.",
        FileStoreErrorCodes.PermissionDenied => "Let this user create files in the file's folder (a change writes a temporary file there and renames it over the dispatch file).",
        FileStoreErrorCodes.FileMissing => "Its folder is gone.",
        _ => null,
    };

    private static DispatchStoreException Vanished(string target, Exception? inner = null) =>
        new($"The dispatch file {target} was deleted or moved away while OrgDispatch was changing it; it was not recreated.", inner, FileStoreErrorCodes.FileMissing);

    private static DispatchStoreException NotAFile(string target) =>
        new($"The dispatch file {target} is not a regular file (a folder?); nothing was changed.", code: FileStoreErrorCodes.NotAFile);

    private static string Reason(Exception e) => e.Message.TrimEnd('.', ' ');

    // errno values (Linux; .NET reports an unmapped errno as the HResult): ENOSPC 28, EDQUOT 122, EROFS 30.
    private static string Classify(Exception e) => e switch
    {
        UnauthorizedAccessException => FileStoreErrorCodes.PermissionDenied,
        FileNotFoundException or DirectoryNotFoundException => FileStoreErrorCodes.FileMissing,
        IOException { HResult: 28 or 122 } => FileStoreErrorCodes.NoSpace,
        IOException { HResult: 30 } => FileStoreErrorCodes.ReadOnly,
        IOException io when io.Message.Contains("No space left", StringComparison.Ordinal) => FileStoreErrorCodes.NoSpace,
        IOException io when io.Message.Contains("Read-only file system", StringComparison.Ordinal) => FileStoreErrorCodes.ReadOnly,
        _ => DispatchErrorCodes.Transport,
    };

    // The lock sits beside the file a change replaces (a symlink's target), so every path to it shares one.
    private static string LockPathFor(string target) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(target)!, "." + System.IO.Path.GetFileName(target) + ".lock");

    private async Task<Lock> LockAsync(string target, CancellationToken cancellationToken)
    {
        string lockPath = LockPathFor(target);
        var clock = Stopwatch.StartNew();
        if (!await _gate.WaitAsync(LockTimeout, cancellationToken).ConfigureAwait(false)) throw LockTimedOut(lockPath);
        try
        {
            int delayMs = 1;
            while (true)
            {
                try
                {
                    var stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
                    if (!_cleaned) CleanStaleTempFiles(target);
                    return new Lock(stream, _gate);
                }
                catch (IOException e) when (IsLockedByOther(e))
                {
                    if (clock.Elapsed >= LockTimeout) throw LockTimedOut(lockPath);
                    await Task.Delay(Random.Shared.Next(delayMs, 2 * delayMs + 1), cancellationToken).ConfigureAwait(false);
                    delayMs = Math.Min(delayMs * 2, 16);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new DispatchStoreException($"Cannot lock the dispatch file {FilePath} (lock file {lockPath}): {Reason(e)}; it is unchanged.", e, Classify(e));
                }
            }
        }
        catch
        {
            _gate.Release();
            throw;
        }
    }

    private DispatchStoreException LockTimedOut(string lockPath) =>
        new($"The dispatch file {FilePath} stayed locked by another process for {LockTimeout.TotalSeconds:0.#} s (lock file {lockPath}).", code: FileStoreErrorCodes.Locked);

    // Another holder. Unix: flock failed with EWOULDBLOCK, which .NET reports as the raw errno
    // (11 on Linux, 35 on macOS and the BSDs); Windows: ERROR_SHARING_VIOLATION or ERROR_LOCK_VIOLATION.
    private static bool IsLockedByOther(IOException e) =>
        e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException)
        && (OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 : e.HResult is 11 or 35);

    /// <summary>Temp files of writers that died mid-write; safe to delete while holding the lock.</summary>
    private void CleanStaleTempFiles(string target)
    {
        _cleaned = true;
        string dir = System.IO.Path.GetDirectoryName(target)!;
        try
        {
            foreach (string f in Directory.EnumerateFiles(dir, "." + System.IO.Path.GetFileName(target) + ".*.tmp")) TryDelete(f);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string TempName(string path) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, $".{System.IO.Path.GetFileName(path)}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Flushes the folder so the rename itself survives a power cut (Unix; Windows has no equivalent).</summary>
    internal static void SyncDirectory(string file)
    {
        if (OperatingSystem.IsWindows() || Volatile.Read(ref s_directorySyncUnavailable) != 0) return;
        try
        {
            int fd = Native.Open(System.IO.Path.GetDirectoryName(file)!, 0 /* O_RDONLY */);
            if (fd < 0) return;
            // Best effort: a folder that cannot be synced (some file systems) still has the rename.
            _ = Native.Fsync(fd);
            _ = Native.Close(fd);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref s_directorySyncUnavailable, 1);
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync")]
        public static partial int Fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close")]
        public static partial int Close(int fd);
    }

    /// <summary>The held OS lock and in-process gate; disposing releases both.</summary>
    private sealed class Lock(FileStream stream, SemaphoreSlim gate) : IDisposable
    {
        public void Dispose()
        {
            stream.Dispose();
            gate.Release();
        }
    }
}
