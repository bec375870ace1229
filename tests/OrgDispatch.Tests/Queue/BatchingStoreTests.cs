using System.Text;
using OrgDispatch.Document;
using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Syntax;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Queue;

public sealed class BatchingStoreTests
{
    private static readonly OrgSyntaxOptions Syntax = new() { TodoKeywords = DispatchOptions.Default.Keywords.ToKeywordSet() };

    /// <summary>Counts writes to the inner store, to show that batches share them.</summary>
    private sealed class CountingStore(IDispatchStore inner) : IDispatchStore
    {
        public int Writes;

        public string Location => inner.Location;

        public ValueTask<OrgDocument> ReadAsync(OrgSyntaxOptions options, CancellationToken cancellationToken = default) => inner.ReadAsync(options, cancellationToken);

        public async ValueTask<T> UpdateAsync<T>(OrgSyntaxOptions options, Func<OrgDocument, DispatchChange<T>> transaction, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Writes);
            await Task.Delay(5, cancellationToken); // a slow write, so that others queue up behind it
            return await inner.UpdateAsync(options, transaction, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    [Fact]
    public async Task Concurrent_claims_share_writes_and_each_sees_the_ones_before()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        await File.WriteAllTextAsync(path, DispatchFiles.Pending(64));
        var counting = new CountingStore(new FileDispatchStore(path));
        await using var store = new BatchingDispatchStore(counting);
        var queue = new DispatchQueue(store);

        DispatchTask?[] claimed = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() => queue.NextAsync($"agent{i}"))));

        Assert.Equal(64, claimed.Select(t => t!.Id).Distinct().Count());
        Assert.True(counting.Writes < 64, $"{counting.Writes} writes for 64 claims: nothing was batched");
        var onDisk = await new DispatchQueue(new FileDispatchStore(path)).GetTasksAsync();
        Assert.All(claimed, t => Assert.Equal(t!.Claim!.Agent, onDisk.Single(d => d.Id == t.Id).Claim?.Agent));
    }

    [Fact]
    public async Task A_failing_transaction_fails_only_its_caller()
    {
        await using var store = new BatchingDispatchStore(new InMemoryDispatchStore(DispatchFiles.Pending(4)));
        var queue = new DispatchQueue(store);
        Task<ClaimResult> good = queue.ClaimAsync("TASK-0001", "ann");
        Task<ClaimResult> bad = queue.ClaimAsync("TASK-9999", "ann");
        Task<DispatchTask?> next = queue.NextAsync("bob");
        Assert.Equal(ClaimOutcome.Claimed, (await good).Outcome);
        await Assert.ThrowsAsync<TaskNotFoundException>(() => bad);
        Assert.NotEqual("TASK-0001", (await next)!.Id);
    }

    [Fact]
    public async Task Bytes_that_are_not_UTF8_between_changes_are_kept()
    {
        // Two tasks with an invalid byte between them: a batch touching both cannot be one text
        // edit, so the store falls back to one write each, and the byte survives.
        byte[] text = Encoding.UTF8.GetBytes(DispatchFiles.Pending(2).Replace("Body of task 1.", "Body of task 1 (\u00A4)."));
        int mark = text.AsSpan().IndexOf("\u00A4"u8);
        text[mark] = 0xFF; // an invalid byte
        text[mark + 1] = (byte)'!';
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        await File.WriteAllBytesAsync(path, text);
        await using var store = new BatchingDispatchStore(new FileDispatchStore(path));
        var queue = new DispatchQueue(store);
        await Task.WhenAll(queue.ClaimAsync("TASK-0001", "ann"), queue.ClaimAsync("TASK-0002", "bob"));
        byte[] after = await File.ReadAllBytesAsync(path);
        Assert.Contains((byte)0xFF, after);
        Assert.Equal("bob", (await queue.GetTaskAsync("TASK-0002")).Claim?.Agent);
        Assert.Equal("ann", (await queue.GetTaskAsync("TASK-0001")).Claim?.Agent);
    }
}
