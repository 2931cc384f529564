namespace Ferry.Portal.Hosting;

/// <summary>
/// Stops the embedded cluster when the portal stops. Registered before the job server, so it stops after it
/// (hosted services stop in reverse order).
/// </summary>
internal sealed class EmbeddedClusterLifetime(EmbeddedCluster cluster) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => cluster.StopAsync(cancellationToken);
}
