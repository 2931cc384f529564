using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ferry.Portal.Monitoring;

/// <summary>
/// Each node as its last probe saw it (the node health probe and the alert evaluation probe them; this check connects to
/// nothing, so an anonymous <c>/healthz</c> cannot make the portal knock on every node). Degraded, never Unhealthy: a node
/// down is replication's problem, not a reason for a load balancer to drop the portal. The data holds one entry per node
/// name, <c>Healthy</c> or <c>Unhealthy</c> (<see cref="Health.HealthResponse"/> writes them and nothing more).
/// </summary>
internal sealed class NodesHealthCheck(IDbContextFactory<ControlDbContext> contexts) : IHealthCheck
{
    public const string Name = "nodes";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var nodes = await db.Nodes.AsNoTracking().OrderBy(n => n.Name)
            .Select(n => new { n.Name, Up = n.LastProbedAt != null && n.LastProbeError == null })
            .ToListAsync(cancellationToken);
        var data = nodes.ToDictionary(n => n.Name, n => (object)(n.Up ? nameof(HealthStatus.Healthy) : nameof(HealthStatus.Unhealthy)));
        var down = nodes.Count(n => !n.Up);
        return down == 0
            ? HealthCheckResult.Healthy($"{nodes.Count} node(s) answered their last probe.", data)
            : HealthCheckResult.Degraded($"{down} of {nodes.Count} node(s) did not answer their last probe.", data: data);
    }
}
