using System.Diagnostics;
using System.Text;

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

    /// <summary>A dispatch file of <paramref name="tasks"/> PENDING tasks for agents, our own layout
    /// (docs/dispatch-format.md): priorities, deadlines, tags, a property drawer and a body each.</summary>
    public static string DispatchFile(int tasks)
    {
        var sb = new StringBuilder("#+TITLE: Benchmark dispatch\n#+TODO: PENDING IN_PROGRESS | DONE SKIPPED FAILED\n\n");
        string[] agents = ["timmy", "ezra", "cleo", "allegro"];
        for (int i = 1; i <= tasks; i++)
        {
            string priority = (i % 3) switch { 0 => "[#A] ", 1 => "", _ => "[#C] " };
            sb.Append($"* PENDING {priority}Task number {i} :{agents[i % agents.Length]}:bench:\n");
            if (i % 4 == 0) sb.Append($"  DEADLINE: <2026-12-{1 + i % 28:D2}>\n");
            sb.Append($"  :PROPERTIES:\n  :ID:       {TaskId(i)}\n  :END:\n  Do the thing number {i}, then report.\n\n");
        }
        sb.Append("* Activity\n");
        return sb.ToString();
    }

    public static string TaskId(int i) => $"TASK-{i:D5}";

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
