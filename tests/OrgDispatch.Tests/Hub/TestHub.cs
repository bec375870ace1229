using System.Net;
using OrgDispatch.Hub;
using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Hub;

/// <summary>A real hub on a free loopback port over a real dispatch file, with group commit, as
/// <c>org-dispatch serve</c> runs it.</summary>
internal sealed class TestHub : IAsyncDisposable
{
    private TestHub() { }

    public required HubServer Server { get; init; }

    public required DispatchQueue Queue { get; init; }

    public required string FilePath { get; init; }

    public int Port => Server.LocalEndPoint.Port;

    public static async Task<TestHub> StartAsync(int tasks = 10, HubServerOptions? options = null, string? text = null, int port = 0)
    {
        var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        await File.WriteAllTextAsync(path, text ?? DispatchFiles.Pending(tasks));
        var queue = new DispatchQueue(new BatchingDispatchStore(new FileDispatchStore(path)));
        var server = new HubServer(queue, (options ?? new HubServerOptions()) with { Address = IPAddress.Loopback, Port = port });
        await server.StartAsync();
        return new TestHub { Server = server, Queue = queue, FilePath = path, Dir = dir };
    }

    private TempDirectory Dir { get; init; } = null!;

    public HubClientOptions ClientOptions => new() { Port = Port, RequestTimeout = TimeSpan.FromSeconds(30) };

    public HubDispatchQueue Connect(string? token = null) => new(ClientOptions with { Token = token });

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Queue.Store.DisposeAsync();
        Dir.Dispose();
    }
}
