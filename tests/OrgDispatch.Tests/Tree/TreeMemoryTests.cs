using System.Runtime.CompilerServices;
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
        // Once first, so that what every parse shares (tables, buffers, statics) is not counted;
        // then the least of three, so that another thread's allocation during one cannot fail it.
        _ = Measure(text);
        var (retained, nodes) = Enumerable.Range(0, 3).Select(_ => Measure(text)).MinBy(m => m.Retained);
        double ratio = (double)retained / text.Length;
        output.WriteLine($"org-manual.org: {text.Length} bytes, {nodes} nodes, {retained} bytes kept ({ratio:F2}x)");
        Assert.True(nodes > 25_000, $"only {nodes} nodes: the objects were not parsed");
        // 29,000 nodes cannot take less than 1.5x: below that the measurement itself is wrong.
        Assert.InRange(ratio, 1.5, 3.0);
    }

    // In a method of its own, so that no tree of an earlier call is still held by a local (Debug
    // builds keep locals alive to the end of their method).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (long Retained, int Nodes) Measure(byte[] text)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        OrgTree tree = OrgTree.Parse(text);
        int nodes = tree.Root.Descendants().Count();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(tree);
        return (after - before, nodes);
    }
}
