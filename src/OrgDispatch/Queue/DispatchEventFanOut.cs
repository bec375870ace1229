using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace OrgDispatch.Queue;

/// <summary>
/// Hands each event a queue reports to every open <see cref="IDispatchQueue.WatchAsync"/>. Each
/// watcher reads from its own bounded buffer, so publishing never waits: a watcher that stops
/// reading cannot slow the queue or the other watchers. One that falls a whole buffer behind is
/// ended with <see cref="DispatchEventsLostException"/> rather than silently missing events.
/// </summary>
internal sealed class DispatchEventFanOut(int capacity)
{
    private readonly object _gate = new();
    private Channel<DispatchEvent>[] _watchers = [];

    /// <summary>Whether anyone is watching (so the caller can skip building an event).</summary>
    public bool HasWatchers => Volatile.Read(ref _watchers).Length > 0;

    /// <summary>Offers <paramref name="e"/> to every watcher; never blocks.</summary>
    public void Publish(DispatchEvent e)
    {
        foreach (Channel<DispatchEvent> watcher in Volatile.Read(ref _watchers))
        {
            if (watcher.Writer.TryWrite(e)) continue;
            watcher.Writer.TryComplete(new DispatchEventsLostException(capacity));
            Remove(watcher); // its reader sees the exception after the events it still holds
        }
    }

    /// <summary>Every event from the first <c>MoveNextAsync</c> on, until cancelled (then
    /// <see cref="OperationCanceledException"/>).</summary>
    /// <remarks>The watcher is registered when enumeration starts, before its first wait.</remarks>
    public async IAsyncEnumerable<DispatchEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var watcher = Channel.CreateBounded<DispatchEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails instead of dropping, so Publish can end the watcher
        });
        Update(list => [.. list, watcher]);
        try
        {
            while (await watcher.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (watcher.Reader.TryRead(out DispatchEvent? e)) yield return e;
            }
        }
        finally
        {
            Remove(watcher);
        }
    }

    private void Remove(Channel<DispatchEvent> watcher) => Update(list => Array.FindAll(list, w => w != watcher));

    private void Update(Func<Channel<DispatchEvent>[], Channel<DispatchEvent>[]> change)
    {
        lock (_gate) Volatile.Write(ref _watchers, change(_watchers));
    }
}

/// <summary>A watcher fell so far behind that its buffer filled up; events after that were not
/// delivered to it. Watch again, and re-read the tasks to catch up.</summary>
public sealed class DispatchEventsLostException(int capacity)
    : Exception($"The watcher fell behind: {capacity} events were waiting unread, so it was ended. Watch again and re-read the tasks to catch up.");
