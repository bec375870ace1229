namespace OrgDispatch.Tests.Infrastructure;

public sealed class GcAssertTests
{
    private static object? s_sink;

    [Fact]
    public void Passes_for_code_that_does_not_allocate()
    {
        int[] data = [1, 2, 3];
        GcAssert.NoAllocations(() => _ = data.AsSpan().IndexOf(3));
    }

    [Fact]
    public void Catches_an_allocation()
    {
        var ex = Assert.ThrowsAny<Exception>(() => GcAssert.NoAllocations(() => s_sink = new byte[16]));
        Assert.Contains("allocated", ex.Message);
    }
}
