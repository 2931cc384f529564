using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Control;

/// <summary>Creates the control database when missing and applies pending migrations; called once at startup.</summary>
public sealed class ControlDatabaseInitializer(IDbContextFactory<ControlDbContext> contexts, ILogger<ControlDatabaseInitializer> logger)
{
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var target = new NpgsqlConnectionStringBuilder(context.Database.GetConnectionString());
        var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)).ToList();
        if (pending.Count > 0)
        {
            ControlLog.ApplyingMigrations(logger, pending.Count, target.Database, target.Host, string.Join(", ", pending));
            var strategy = context.Database.CreateExecutionStrategy();
            await strategy.ExecuteAsync(
                context,
                static (c, token) => c.Database.MigrateAsync(token),
                cancellationToken).ConfigureAwait(false);
        }
        var applied = await context.Database.GetAppliedMigrationsAsync(cancellationToken).ConfigureAwait(false);
        ControlLog.ControlDatabaseReady(logger, target.Database, target.Host, applied.LastOrDefault());
    }
}
