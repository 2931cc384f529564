using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ferry.Portal.Health;

/// <summary>The control database answers and has no pending migration. Why it does not answer goes to the log (the exception).</summary>
internal sealed class ControlDatabaseHealthCheck(IDbContextFactory<ControlDbContext> contexts) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            // Opened here rather than through CanConnectAsync, which swallows the reason.
            await db.Database.OpenConnectionAsync(cancellationToken);
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).Count();
            return pending == 0
                ? HealthCheckResult.Healthy("The control database answers; its schema is current.")
                : HealthCheckResult.Degraded($"The control database lacks {pending} migration(s).");
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("The control database does not answer.", e);
        }
    }
}
