using Ferry.Engine.Sql;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Control;

/// <summary>Creates the control database when missing and applies pending migrations; called once at startup.</summary>
public sealed class ControlDatabaseInitializer(IDbContextFactory<ControlDbContext> contexts, ILogger<ControlDatabaseInitializer> logger)
{
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        string connectionString;
        await using (var configured = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            connectionString = configured.Database.GetConnectionString()!;
        }
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        await CreateDatabaseIfMissingAsync(target, cancellationToken).ConfigureAwait(false);

        // A context of our own, without the application's logging: on a new database EF Core logs its probe of the
        // missing history table as a failed command, which reads like an error and is none. Real failures throw.
        var options = new DbContextOptionsBuilder<ControlDbContext>();
        ControlDbContext.Configure(options, connectionString);
        await using var context = new ControlDbContext(options.Options);
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

    /// <summary>
    /// EF Core would create a missing database too, but only after logging a failed connection as an error; checking
    /// first from the maintenance database keeps a first start's log clean. Needs CREATEDB only when the database is missing.
    /// </summary>
    private async Task CreateDatabaseIfMissingAsync(NpgsqlConnectionStringBuilder target, CancellationToken cancellationToken)
    {
        var maintenance = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException)
        {
            return; // no access to the maintenance database: let EF Core try on the target itself
        }
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new NpgsqlParameter { Value = target.Database });
        if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
        {
            return;
        }
        ControlLog.CreatingControlDatabase(logger, target.Database, target.Host);
        await using var create = new NpgsqlCommand($"CREATE DATABASE {Identifiers.Quote(target.Database!)} TEMPLATE template0 ENCODING 'UTF8'", connection);
        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
