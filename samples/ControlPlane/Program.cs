// The HTTP control plane agents already call (GET state, tasks, approvals; POST activity), with the
// dispatch file as its task store. docs/samples.md has the contract; only OrgDispatch's public API is used.
//
//   dotnet run --project samples/ControlPlane -- --file dispatch.org --port 8080 --secret S [--config controlplane.json]
using System.CommandLine;
using ControlPlane;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using OrgDispatch;
using OrgDispatch.Emacs;
using OrgDispatch.Queue;

var file = new Option<string>("--file") { Description = "The dispatch file (with --socket or --host: the file whose Emacs buffer holds it).", Required = true };
var socket = new Option<string?>("--socket") { Description = "Work on the file's buffer in the Emacs daemon with this server socket (name or path)." };
var host = new Option<string?>("--host") { Description = "Work on the file's buffer in the Emacs daemon on this SSH host." };
var user = new Option<string?>("--user") { Description = "The SSH user, with --host." };
var sshKey = new Option<string?>("--ssh-key") { Description = "The SSH private key, with --host." };
var sshPort = new Option<int?>("--ssh-port") { Description = "The SSH port, with --host." };
var port = new Option<int>("--port") { Description = "The TCP port to listen on; 0 picks a free one (the line printed says which).", DefaultValueFactory = _ => 8080 };
var bind = new Option<string>("--bind") { Description = "The address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
var secret = new Option<string?>("--secret") { Description = "The shared secret agents send as Authorization: Bearer SECRET. Default: $CONTROLPLANE_SHARED_SECRET." };
var config = new Option<string>("--config") { Description = "The agents and the budget (JSON; see controlplane.json).", DefaultValueFactory = _ => Path.Combine(AppContext.BaseDirectory, "controlplane.json") };

var root = new RootCommand("The control plane agents call over HTTP, with a dispatch.org as its task store.")
{
    file, socket, host, user, sshKey, sshPort, port, bind, secret, config,
};
root.SetAction(async (parse, ct) =>
{
    string? shared = parse.GetValue(secret) ?? Environment.GetEnvironmentVariable("CONTROLPLANE_SHARED_SECRET");
    if (string.IsNullOrEmpty(shared))
    {
        Console.Error.WriteLine("control plane: no shared secret: pass --secret or set CONTROLPLANE_SHARED_SECRET.");
        return 2;
    }
    if (parse.GetValue(port) is < 0 or > 65535)
    {
        Console.Error.WriteLine($"control plane: --port is 0 to 65535, not {parse.GetValue(port)}.");
        return 2;
    }
    Roster roster;
    try
    {
        roster = Roster.Load(parse.GetValue(config)!);
    }
    catch (InvalidDataException e)
    {
        Console.Error.WriteLine("control plane: " + e.Message);
        return 2;
    }
    var queueOptions = new DispatchOptions { RecentActivityCount = int.MaxValue }; // the budget reads the whole log
    var where = new DispatchConnectionOptions
    {
        Transport = parse.GetValue(host) is not null ? DispatchTransport.Ssh : parse.GetValue(socket) is not null ? DispatchTransport.Emacs : DispatchTransport.File,
        FilePath = Path.GetFullPath(parse.GetValue(file)!),
        EmacsSocket = parse.GetValue(socket),
        Ssh = parse.GetValue(host) is { } h ? new SshOptions { Host = h, User = parse.GetValue(user), IdentityFile = parse.GetValue(sshKey), Port = parse.GetValue(sshPort) } : null,
        Queue = queueOptions,
    };

    WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
    builder.WebHost.UseUrls($"http://{parse.GetValue(bind)}:{parse.GetValue(port)}");
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    await using DispatchConnection connection = DispatchConnection.Open(where);
    // Approvals are headlines of the file itself, written through the queue's own store.
    IDispatchStore store = connection.Store ?? throw new InvalidOperationException("The transport has no store.");
    await using WebApplication app = builder.Build();
    new ControlPlaneApi(connection.Queue, new ApprovalBook(store, queueOptions, TimeProvider.System), roster, TimeProvider.System)
        .Map(app, new SharedSecret(shared));

    await app.StartAsync(ct);
    string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    Console.WriteLine($"listening on {address} (dispatch file {connection.Queue.Location})");
    try
    {
        await Task.Delay(Timeout.Infinite, ct);
    }
    catch (OperationCanceledException)
    {
    }
    await app.StopAsync(CancellationToken.None);
    return 0;
});
try
{
    // Our own handler below prints the message, not a stack trace.
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or EmacsServerException or DispatchStoreException or IOException)
{
    Console.Error.WriteLine("control plane: " + e.Message);
    return 1;
}
