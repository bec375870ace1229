namespace OrgDispatch.Tests.Infrastructure;

/// <summary>Proves a piece of code allocates nothing on the managed heap: warm up once (JIT,
/// tiering, statics), then count this thread's allocations over many runs.</summary>
internal static class GcAssert
{
    public static void NoAllocations(Action action, int runs = 20)
    {
        long bytes = Measure(action, runs);
        Assert.True(bytes == 0, $"expected no allocations, but {runs} runs allocated {bytes} bytes");
    }

    public static long Measure(Action action, int runs = 20)
    {
        action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < runs; i++) action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
