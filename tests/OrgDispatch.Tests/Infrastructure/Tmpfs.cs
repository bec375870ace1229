namespace OrgDispatch.Tests.Infrastructure;

/// <summary>A real tmpfs of a given size mounted on a temporary folder (as root), unmounted on dispose:
/// a disk that can be filled, and made read-only and writable again.</summary>
internal sealed class Tmpfs : IDisposable
{
    private readonly TempDirectory _dir = new();

    private Tmpfs(int kib)
    {
        try
        {
            ProcessRunner.Run("mount", ["-t", "tmpfs", "-o", $"size={kib}k,mode=755", "tmpfs", _dir.Path], TimeSpan.FromSeconds(30));
        }
        catch
        {
            _dir.Dispose();
            throw;
        }
    }

    public string Path => _dir.Path;

    public string File(string name) => _dir.File(name);

    public static Tmpfs Mount(int kib) => new(kib);

    public void ReadOnly(bool on) => ProcessRunner.Run("mount", ["-o", on ? "remount,ro" : "remount,rw", _dir.Path], TimeSpan.FromSeconds(30));

    /// <summary>Writes a filler file until the disk is full; returns its path.</summary>
    public string Fill()
    {
        string filler = _dir.File("filler");
        using var fs = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1);
        byte[] block = new byte[4096];
        try
        {
            for (int i = 0; i < 1 << 20; i++) fs.Write(block); // bounded: 4 GiB at most, far past any test size
        }
        catch (IOException)
        {
            // full
        }
        return filler;
    }

    public void Dispose()
    {
        try
        {
            ProcessRunner.Run("umount", ["-l", _dir.Path], TimeSpan.FromSeconds(30));
        }
        finally
        {
            _dir.Dispose();
        }
    }
}
