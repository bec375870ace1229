using OrgDispatch.Queue;
using OrgDispatch.Stores;

namespace OrgDispatch.Tests.Queue;

/// <summary>IDispatchQueue.WatchAsync on a queue over a store: what is reported, in what order, and
/// what happens to a watcher that stops reading.</summary>
public sealed class WatchTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Every_change_is_reported_in_order_with_the_task_as_stored()
    {
        var queue = new DispatchQueue(new InMemoryDispatchStore(DispatchFiles.Pending(2, "ann")));
        using var cancel = new CancellationTokenSource(Patience);
        await using IAsyncEnumerator<DispatchEvent> watch = queue.WatchAsync(cancel.Token).GetAsyncEnumerator(cancel.Token);
        ValueTask<bool> first = watch.MoveNextAsync(); // watching starts here, before any change

        DispatchTask claimed = (await queue.NextAsync("ann"))!;
        await queue.DoneAsync(claimed.Id, "ann", "shipped");
        await queue.AppendAsync("ann", "all good");

        Assert.True(await first);
        Assert.Equal((DispatchEventKind.Claimed, claimed.Id, "ann"), (watch.Current.Kind, watch.Current.TaskId, watch.Current.Agent));
        Assert.Equal(TaskState.InProgress, watch.Current.Task!.State);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal((DispatchEventKind.Done, "shipped"), (watch.Current.Kind, watch.Current.Note));
        Assert.Equal(TaskState.Done, watch.Current.Task!.State);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(DispatchEventKind.Appended, watch.Current.Kind);
        Assert.Equal("all good", watch.Current.Activity!.Message);
    }

    [Fact]
    public async Task A_failed_change_reports_nothing()
    {
        var queue = new DispatchQueue(new InMemoryDispatchStore(DispatchFiles.Pending(1, "ann")));
        using var cancel = new CancellationTokenSource();
        await using IAsyncEnumerator<DispatchEvent> watch = queue.WatchAsync(cancel.Token).GetAsyncEnumerator(cancel.Token);
        ValueTask<bool> next = watch.MoveNextAsync();

        await Assert.ThrowsAsync<TaskNotFoundException>(() => queue.DoneAsync("TASK-999", "ann", "x"));
        await queue.AppendAsync("ann", "marker");

        Assert.True(await next.AsTask().WaitAsync(Patience));
        Assert.Equal(DispatchEventKind.Appended, watch.Current.Kind); // the first event is the marker, not the failed done
    }

    [Fact]
    public async Task Cancelling_ends_the_stream_and_the_watcher_is_removed()
    {
        var queue = new DispatchQueue(new InMemoryDispatchStore(DispatchFiles.Pending(1, "ann")));
        using var cancel = new CancellationTokenSource();
        IAsyncEnumerator<DispatchEvent> watch = queue.WatchAsync(cancel.Token).GetAsyncEnumerator(cancel.Token);
        ValueTask<bool> first = watch.MoveNextAsync();
        Assert.True(queue.HasWatchers);

        await queue.AppendAsync("ann", "one");
        Assert.True(await first.AsTask().WaitAsync(Patience));
        Assert.Equal("one", watch.Current.Activity!.Message);
        ValueTask<bool> second = watch.MoveNextAsync();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await second);
        await watch.DisposeAsync();
        Assert.False(queue.HasWatchers);
        await queue.AppendAsync("ann", "after"); // nothing left to deliver to
    }

    [Fact]
    public async Task A_watcher_that_stops_reading_is_ended_with_a_clear_error_and_never_slows_the_queue()
    {
        var queue = new DispatchQueue(new InMemoryDispatchStore(DispatchFiles.Pending(1, "ann")), new DispatchOptions { WatchBufferSize = 3 });
        using var cancel = new CancellationTokenSource(Patience);
        await using IAsyncEnumerator<DispatchEvent> stalled = queue.WatchAsync(cancel.Token).GetAsyncEnumerator(cancel.Token);
        ValueTask<bool> started = stalled.MoveNextAsync();
        await queue.AppendAsync("ann", "first");
        Assert.True(await started); // the watcher now sits on its first event and reads nothing more

        for (int i = 0; i < 6; i++) await queue.AppendAsync("ann", $"message {i}"); // the queue never waits for it

        for (int i = 0; i < 3; i++)
        {
            Assert.True(await stalled.MoveNextAsync());
            Assert.Equal($"message {i}", stalled.Current.Activity!.Message); // the buffer kept the oldest three
        }
        var lost = await Assert.ThrowsAsync<DispatchEventsLostException>(async () => await stalled.MoveNextAsync());
        Assert.False(queue.HasWatchers); // ended once and removed, not offered every later event
        Assert.Contains("3 events", lost.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_watch_buffer_below_one_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DispatchQueue(new InMemoryDispatchStore(""), new DispatchOptions { WatchBufferSize = 0 }));
    }
}
