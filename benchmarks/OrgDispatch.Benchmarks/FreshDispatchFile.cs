namespace OrgDispatch.Benchmarks;

/// <summary>A generated dispatch file in a temporary folder, written anew before each iteration so
/// that every iteration claims from the same start. Deletes its folder on dispose.</summary>
public sealed class FreshDispatchFile : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("orgdispatch-bench-").FullName;
    private readonly string _text;

    public FreshDispatchFile(int tasks)
    {
        _text = Inputs.DispatchFile(tasks);
        Path = System.IO.Path.Combine(_dir, "dispatch.org");
        Reset();
    }

    public string Path { get; }

    public void Reset() => File.WriteAllText(Path, _text);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
