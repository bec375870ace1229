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
/// The lock is advisory (<c>flock</c> on Unix): every OrgDispatch process honours it, an editor
/// does not. Emacs notices the file changed on disk and asks before overwriting it, so a
/// person's unsaved edits are not lost; use the Emacs transport to edit the live buffer instead.
/// Reads take no lock: the rename means a reader sees a whole file, old or new.
/// </remarks>
public sealed partial class FileDispatchStore : IDispatchStore
{
    // One gate per file per process, so threads queue here instead of polling the OS lock.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);
    private static int s_directorySyncUnavailable;

    private readonly string _lockPath;
    private readonly SemaphoreSlim _gate;
    private bool _cleaned;

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
        string dir = System.IO.Path.GetDirectoryName(FilePath)!;
        _lockPath = System.IO.Path.Combine(dir, "." + System.IO.Path.GetFileName(FilePath) + ".lock");
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
            using var held = await store.LockAsync(cancellationToken).ConfigureAwait(false);
            if (File.Exists(full)) throw new DispatchStoreException($"{full} already exists.");
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                fs.Write(System.Text.Encoding.UTF8.GetBytes(text));
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full);
            SyncDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DispatchStoreException($"Cannot create {full}: {e.Message}", e);
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
        return OrgDocument.Build(await ReadBytesAsync(cancellationToken).ConfigureAwait(false), options);
    }

    /// <inheritdoc/>
    public async ValueTask<T> UpdateAsync<T>(OrgSyntaxOptions options, Func<OrgDocument, DispatchChange<T>> transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(transaction);
        using Lock held = await LockAsync(cancellationToken).ConfigureAwait(false);
        byte[] current = await ReadBytesAsync(cancellationToken).ConfigureAwait(false);
        DispatchChange<T> change = transaction(OrgDocument.Build(current, options));
        if (change.Edits.Count == 0) return change.Result;
        byte[] updated = OrgTextEdit.Apply(current, change.Edits);
        // From here on the write runs to the end: cancelling halfway would only leave a temp file.
        WriteAtomically(updated);
        return change.Result;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<byte[]> ReadBytesAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(FilePath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DispatchStoreException($"The dispatch file {FilePath} does not exist (create one with `org-dispatch init`).", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DispatchStoreException($"Cannot read the dispatch file {FilePath}: {e.Message}", e);
        }
    }

    private void WriteAtomically(byte[] bytes)
    {
        string tmp = TempName(FilePath);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                if (!OperatingSystem.IsWindows())
                {
                    try { File.SetUnixFileMode(fs.SafeFileHandle, File.GetUnixFileMode(FilePath)); }
                    catch (FileNotFoundException) { } // vanished under us: the rename recreates it
                }
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, FilePath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw new DispatchStoreException($"Cannot write the dispatch file {FilePath}: {e.Message}; it is unchanged.", e);
        }
        SyncDirectory(FilePath);
    }

    private async Task<Lock> LockAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (!await _gate.WaitAsync(LockTimeout, cancellationToken).ConfigureAwait(false)) throw LockTimedOut();
        try
        {
            int delayMs = 1;
            while (true)
            {
                try
                {
                    var stream = new FileStream(_lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
                    if (!_cleaned) CleanStaleTempFiles();
                    return new Lock(stream, _gate);
                }
                catch (IOException e) when (IsLockedByOther(e))
                {
                    if (clock.Elapsed >= LockTimeout) throw LockTimedOut();
                    await Task.Delay(Random.Shared.Next(delayMs, 2 * delayMs + 1), cancellationToken).ConfigureAwait(false);
                    delayMs = Math.Min(delayMs * 2, 16);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new DispatchStoreException($"Cannot lock the dispatch file {FilePath} (lock file {_lockPath}): {e.Message}", e);
                }
            }
        }
        catch
        {
            _gate.Release();
            throw;
        }
    }

    private DispatchStoreException LockTimedOut() =>
        new($"The dispatch file {FilePath} stayed locked by another process for {LockTimeout.TotalSeconds:0.#} s (lock file {_lockPath}).");

    // Another holder. Unix: flock failed with EWOULDBLOCK, which .NET reports as the raw errno
    // (11 on Linux, 35 on macOS and the BSDs); Windows: ERROR_SHARING_VIOLATION or ERROR_LOCK_VIOLATION.
    private static bool IsLockedByOther(IOException e) =>
        e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException)
        && (OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 : e.HResult is 11 or 35);

    /// <summary>Temp files of writers that died mid-write; safe to delete while holding the lock.</summary>
    private void CleanStaleTempFiles()
    {
        _cleaned = true;
        string dir = System.IO.Path.GetDirectoryName(FilePath)!;
        try
        {
            foreach (string f in Directory.EnumerateFiles(dir, "." + System.IO.Path.GetFileName(FilePath) + ".*.tmp")) TryDelete(f);
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
    private static void SyncDirectory(string file)
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
