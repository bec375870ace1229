using OrgDispatch.Emacs;
using OrgDispatch.Hub;
using OrgDispatch.Queue;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Connection;

/// <summary>DispatchConnection.Open: each transport's settings, and a clear error for each one missing.</summary>
public sealed class DispatchConnectionTests
{
    [Fact]
    public async Task The_file_transport_is_the_default_and_works_end_to_end()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        await File.WriteAllTextAsync(path, DispatchFiles.Pending(2, "ann"));

        await using var connection = DispatchConnection.Open(new DispatchConnectionOptions { FilePath = path });
        DispatchTask? task = await connection.Queue.NextAsync("ann");
        Assert.IsType<OrgDispatch.Stores.FileDispatchStore>(Assert.IsType<DispatchQueue>(connection.Queue).Store);

        Assert.Equal(DispatchTransport.File, connection.Transport);
        Assert.Null(connection.Emacs);
        Assert.False(connection.CanEvaluate);
        Assert.Equal("TASK-0001", task?.Id);
        Assert.Contains(":CLAIMED_BY: ann", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotSupportedException>(() => connection.EvaluateAsync("(+ 1 2)"));
    }

    [Fact]
    public async Task Group_commit_keeps_every_concurrent_change()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        await File.WriteAllTextAsync(path, DispatchFiles.Pending(8, "ann"));

        await using var connection = DispatchConnection.Open(new DispatchConnectionOptions { FilePath = path, GroupCommit = true });
        DispatchTask?[] claimed = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => connection.Queue.NextAsync("ann")));

        Assert.IsType<OrgDispatch.Stores.BatchingDispatchStore>(Assert.IsType<DispatchQueue>(connection.Queue).Store);
        Assert.Equal(8, claimed.Select(t => t!.Id).Distinct().Count());
        await using var reader = DispatchConnection.OpenFile(path);
        Assert.Equal(8, (await reader.Queue.GetTasksAsync()).Count(t => t.State == TaskState.InProgress));
    }

    [Theory]
    [InlineData(DispatchTransport.File, "dispatch file's path")]
    [InlineData(DispatchTransport.Emacs, "dispatch file's path")]
    [InlineData(DispatchTransport.Ssh, "dispatch file's path")]
    [InlineData(DispatchTransport.Hub, "hub's address")]
    public void A_missing_setting_is_named(DispatchTransport transport, string named)
    {
        var e = Assert.Throws<ArgumentException>(() => DispatchConnection.Open(new DispatchConnectionOptions { Transport = transport }));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ssh_without_a_host_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => DispatchConnection.Open(new DispatchConnectionOptions { Transport = DispatchTransport.Ssh, FilePath = "dispatch.org" }));
        Assert.Contains("host", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ssh_transport_opens_without_connecting_and_offers_eval()
    {
        await using var connection = DispatchConnection.Open(new DispatchConnectionOptions
        {
            Transport = DispatchTransport.Ssh,
            FilePath = "fleet/dispatch.org",
            Ssh = new SshOptions { Host = "fleet-box" },
        });
        Assert.IsType<SshEmacsClient>(connection.Emacs);
        Assert.True(connection.CanEvaluate);
        Assert.Contains("fleet/dispatch.org", connection.Queue.Location, StringComparison.Ordinal);
        await using var sshNet = DispatchConnection.Open(new DispatchConnectionOptions
        {
            Transport = DispatchTransport.Ssh,
            FilePath = "fleet/dispatch.org",
            Ssh = new SshOptions { Host = "fleet-box", Engine = SshEngine.SshNet },
        });
        Assert.IsType<SshNetEmacsClient>(sshNet.Emacs);
    }

    [Fact]
    public async Task The_hub_transport_is_a_hub_queue()
    {
        await using var connection = DispatchConnection.Open(new DispatchConnectionOptions { Transport = DispatchTransport.Hub, Hub = new HubClientOptions { Port = 1 } });
        Assert.IsType<HubDispatchQueue>(connection.Queue);
        Assert.True(connection.CanEvaluate);
        Assert.Equal("tcp://127.0.0.1:1", connection.Queue.Location);
    }
}
