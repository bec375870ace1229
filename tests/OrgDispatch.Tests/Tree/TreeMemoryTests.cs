using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tree;
using Xunit.Abstractions;

namespace OrgDispatch.Tests.Tree;

/// <summary>What a whole tree, every object parsed, keeps alive. It runs alone (the Heavy
/// collection) so that no other test's allocations are counted.</summary>
[Collection(Heavy.Name)]
public sealed class TreeMemoryTests(ITestOutputHelper output)
{
    [RequiresFact(Requirements.Corpus)]
    public void A_full_tree_of_the_org_manual_keeps_at_most_three_times_its_size()
    {
        byte[] text = File.ReadAllBytes(Path.Combine(TestEnvironment.CorpusDirectory!, "org-manual.org"));
        // Once first, so that what every parse shares (tables, buffers, statics) is not counted.
        _ = OrgTree.Parse(text).Root.Descendants().Count();
        // The heap is the process's: take the least of three measurements, so that another
        // thread's allocation during one of them cannot fail the test.
        long retained = long.MaxValue;
        int nodes = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            long before = GC.GetTotalMemory(forceFullCollection: true);
            OrgTree tree = OrgTree.Parse(text);
            nodes = tree.Root.Descendants().Count();
            retained = Math.Min(retained, GC.GetTotalMemory(forceFullCollection: true) - before);
            GC.KeepAlive(tree);
        }
        double ratio = (double)retained / text.Length;
        output.WriteLine($"org-manual.org: {text.Length} bytes, {nodes} nodes, {retained} bytes kept ({ratio:F2}x)");
        Assert.True(nodes > 25_000, $"only {nodes} nodes: the objects were not parsed");
        Assert.True(ratio <= 3.0, $"the tree keeps {ratio:F2}x its input");
    }
}
