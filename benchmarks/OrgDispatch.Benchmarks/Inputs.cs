using System.Diagnostics;

namespace OrgDispatch.Benchmarks;

/// <summary>Benchmark inputs: the Org manual from ../shared/corpus and a generated dispatch file.</summary>
public static class Inputs
{
    public const string OrgManual = "org-manual";
    public const string Dispatch10k = "dispatch-10k";

    public static byte[] Load(string name)
    {
        string corpus = CorpusDirectory();
        if (name == OrgManual) return File.ReadAllBytes(Path.Combine(corpus, "org-manual.org"));
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(corpus, "gen_dispatch.py"));
        psi.ArgumentList.Add("10000");
        using var p = Process.Start(psi)!;
        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("gen_dispatch.py failed");
        return ms.ToArray();
    }

    private static string CorpusDirectory()
    {
        for (string? dir = AppContext.BaseDirectory; dir != null; dir = Path.GetDirectoryName(dir))
        {
            string candidate = Path.Combine(dir, "..", "shared", "corpus");
            if (File.Exists(Path.Combine(dir, "OrgDispatch.sln")) && Directory.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        throw new DirectoryNotFoundException("../shared/corpus must sit beside the clone to run the benchmarks.");
    }
}
