using Ferry.Engine.LocalServer;

namespace Ferry.Portal.Tests.Nodes;

/// <summary>
/// A test cluster that checks passwords (scram-sha-256), unlike the portal fixture's trust cluster, so a wrong node
/// password is really refused. Node tests point their nodes at it.
/// </summary>
public sealed class NodeCluster : IAsyncLifetime
{
    public const string Password = "Node-Passw0rd";

    private LocalCluster? _cluster;

    public LocalCluster Cluster => _cluster ?? throw new InvalidOperationException("Not initialized.");

    public int Port => Cluster.Port;

    public async ValueTask InitializeAsync() =>
        _cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), $"ferry-node-test-{Guid.NewGuid():N}"),
            Temporary = true,
            Unsafe = true,
            SuperuserPassword = Password,
        });

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
