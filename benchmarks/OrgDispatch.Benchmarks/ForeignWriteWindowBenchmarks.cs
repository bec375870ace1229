using BenchmarkDotNet.Attributes;
using OrgDispatch.Stores;

namespace OrgDispatch.Benchmarks;

/// <summary>
/// The window the file transport leaves a writer that ignores its lock (docs/transports.md). Such a
/// write is caught if it lands before the final check (the change runs again) or in the replaced
/// file before the check after the rename (it is brought back); it is lost only if the writer
/// opened the file before the rename and wrote after that second check. So what protects it is
/// how long the rename and the folder's fsync take (<see cref="RenameAndSyncFolder"/>), against
/// how long such a writer holds the file open between opening and writing. Also measured: the
/// check itself on a 1,000-task file (identity, and the bytes when the last change was recent).
/// </summary>
[MedianColumn]
[WarmupCount(3)]
[IterationCount(20)]
public class ForeignWriteWindowBenchmarks
{
    private FreshDispatchFile _file = null!;
    private byte[] _bytes = [];
    private string _tmp = "";

    [GlobalSetup]
    public void Setup()
    {
        _file = new FreshDispatchFile(1_000);
        _bytes = File.ReadAllBytes(_file.Path);
        _tmp = _file.Path + ".bench.tmp";
    }

    [GlobalCleanup]
    public void Cleanup() => _file.Dispose();

    /// <summary>stat the file (statx on Linux), as before every rename.</summary>
    [Benchmark]
    public bool IdentityCheck() => FileIdentity.OfPath(_file.Path) is not null;

    /// <summary>The identity and the bytes compared, as when the file changed within the last quarter second.</summary>
    [Benchmark]
    public bool IdentityAndBytesCheck() => FileIdentity.OfPath(_file.Path) is not null && File.ReadAllBytes(_file.Path).AsSpan().SequenceEqual(_bytes);

    /// <summary>A rename over the file, without the folder's fsync (the baseline of the next).</summary>
    [Benchmark(Baseline = true)]
    public void RenameOnly()
    {
        File.WriteAllBytes(_tmp, _bytes);
        File.Move(_tmp, _file.Path, overwrite: true);
    }

    /// <summary>The rename and the folder's fsync: between them and the check after, the protected time.</summary>
    [Benchmark]
    public void RenameAndSyncFolder()
    {
        File.WriteAllBytes(_tmp, _bytes);
        File.Move(_tmp, _file.Path, overwrite: true);
        FileDispatchStore.SyncDirectory(_file.Path);
    }
}
