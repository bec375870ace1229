namespace OrgDispatch.Tests.Infrastructure;

/// <summary>Where the repository, the shared corpus and external tools are.</summary>
internal static class TestEnvironment
{
    /// <summary>True under CI (CI=true): then every dependency must be present and nothing skips.</summary>
    public static bool IsCI => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>../shared/corpus beside the clone, or null.</summary>
    public static string? CorpusDirectory
    {
        get
        {
            string dir = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "corpus"));
            return Directory.Exists(dir) ? dir : null;
        }
    }

    public static string SpecsDirectory => Path.Combine(RepoRoot, "tests", "OrgDispatch.Tests", "Specs");

    /// <summary>The full path of an executable on PATH, or null.</summary>
    public static string? FindOnPath(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length == 0) continue;
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static string FindRepoRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir != null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "OrgDispatch.sln"))) return dir;
        }
        throw new InvalidOperationException($"OrgDispatch.sln not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>A fact that needs external programs or the shared corpus. Outside CI it is skipped,
/// with the reason, when one is missing; under CI=true it always runs (and fails if one is missing).</summary>
internal sealed class RequiresFactAttribute : FactAttribute
{
    public RequiresFactAttribute(params string[] needs)
    {
        if (!TestEnvironment.IsCI && Requirements.Missing(needs) is { } reason) Skip = reason;
    }
}

/// <summary>The theory counterpart of <see cref="RequiresFactAttribute"/>.</summary>
internal sealed class RequiresTheoryAttribute : TheoryAttribute
{
    public RequiresTheoryAttribute(params string[] needs)
    {
        if (!TestEnvironment.IsCI && Requirements.Missing(needs) is { } reason) Skip = reason;
    }
}

internal static class Requirements
{
    public const string Emacs = "emacs";
    public const string Corpus = "corpus";
    public const string Python = "python3";
    public const string Sshd = "sshd";
    /// <summary>Root, able to mount a tmpfs (a small disk to fill, a file system to make read-only).</summary>
    public const string Mount = "mount";
    /// <summary>Root with setpriv, to run a process as another user (root may write anywhere).</summary>
    public const string Root = "root";

    // Root is not enough in a container without CAP_SYS_ADMIN: try it once.
    private static readonly Lazy<bool> CanMount = new(() =>
    {
        if (Environment.UserName != "root" || TestEnvironment.FindOnPath("mount") == null) return false;
        string dir = Directory.CreateTempSubdirectory("orgdispatch-mount-probe-").FullName;
        try
        {
            var (code, _, _) = ProcessRunner.Exec(new System.Diagnostics.ProcessStartInfo("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]), TimeSpan.FromSeconds(30));
            if (code != 0) return false;
            ProcessRunner.Exec(new System.Diagnostics.ProcessStartInfo("umount", [dir]), TimeSpan.FromSeconds(30));
            return true;
        }
        finally
        {
            try { Directory.Delete(dir); } catch (IOException) { }
        }
    });

    public static string? Missing(string[] needs)
    {
        foreach (string need in needs)
        {
            if (need == Corpus)
            {
                if (TestEnvironment.CorpusDirectory == null) return "../shared/corpus is not beside this clone (CI has it there)";
            }
            else if (need == Sshd)
            {
                if (!File.Exists("/usr/sbin/sshd") || TestEnvironment.FindOnPath("ssh") == null || TestEnvironment.FindOnPath("ssh-keygen") == null)
                    return "the OpenSSH server or client is not installed (apt-get install -y openssh-server); CI installs it";
            }
            else if (need == Mount)
            {
                if (!CanMount.Value) return "mounting a tmpfs needs root with CAP_SYS_ADMIN (CI runs the suite as root)";
            }
            else if (need == Root)
            {
                if (Environment.UserName != "root" || TestEnvironment.FindOnPath("setpriv") == null)
                    return "running a process as another user needs root and setpriv (CI runs the suite as root)";
            }
            else if (TestEnvironment.FindOnPath(need) == null)
            {
                return need == Emacs ? "emacs is not installed (apt-get install -y emacs-nox); CI installs it" : $"{need} is not on PATH";
            }
        }
        return null;
    }
}
