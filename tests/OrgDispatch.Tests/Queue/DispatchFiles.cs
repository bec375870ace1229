using System.Text;

namespace OrgDispatch.Tests.Queue;

/// <summary>Our own dispatch files for tests and benchmarks: the layout of docs/dispatch-format.md.</summary>
internal static class DispatchFiles
{
    public const string Header = "#+TITLE: Test dispatch\n#+TODO: PENDING IN_PROGRESS | DONE SKIPPED FAILED\n\n";

    /// <summary><paramref name="count"/> PENDING tasks TASK-0001…, each for one of <paramref name="agents"/>
    /// (or for anyone when <paramref name="agents"/> is empty), then an activity headline.</summary>
    public static string Pending(int count, params string[] agents)
    {
        var sb = new StringBuilder(Header);
        for (int i = 1; i <= count; i++)
        {
            string tags = agents.Length == 0 ? "" : $" :{agents[i % agents.Length]}:";
            sb.Append($"* PENDING Task number {i}{tags}\n  :PROPERTIES:\n  :ID:       TASK-{i:D4}\n  :END:\n  Body of task {i}.\n\n");
        }
        sb.Append("* Activity\n");
        return sb.ToString();
    }
}
