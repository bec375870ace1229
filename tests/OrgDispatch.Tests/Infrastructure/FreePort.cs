namespace OrgDispatch.Tests.Infrastructure;

/// <summary>Loopback ports with nothing listening on them.</summary>
internal static class FreePort
{
    public static int Next()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
