using System.Net;
using OrgDispatch.Harness;
using OrgDispatch.Queue;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;
using OrgDispatch.Transports;

namespace OrgDispatch.Tests.Harness;

/// <summary>A real hub on a free loopback port over a real dispatch file, with group commit, as
/// <c>org-dispatch serve</c> runs it.</summary>
internal sealed class Hub : IAsyncDisposable
{
    private Hub() { }

    public required HarnessServer Server { get; init; }

    public required DispatchQueue Queue { get; init; }

    public required string FilePath { get; init; }

    public int Port => Server.LocalEndPoint.Port;

    public static async Task<Hub> StartAsync(int tasks = 10, HarnessServerOptions? options = null, string? text = null, int port = 0)
    {
        var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        await File.WriteAllTextAsync(path, text ?? DispatchFiles.Pending(tasks));
        var queue = new DispatchQueue(new BatchingDispatchStore(new FileDispatchStore(path)));
        var server = new HarnessServer(queue, (options ?? new HarnessServerOptions()) with { Address = IPAddress.Loopback, Port = port });
        await server.StartAsync();
        return new Hub { Server = server, Queue = queue, FilePath = path, Dir = dir };
    }

    private TempDirectory Dir { get; init; } = null!;

    public HarnessClientOptions ClientOptions => new() { Port = Port, RequestTimeout = TimeSpan.FromSeconds(30) };

    public HubDispatchQueue Connect(string? token = null) => new(ClientOptions with { Token = token });

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Queue.Store.DisposeAsync();
        Dir.Dispose();
    }
}
