using Ferry.Engine.Control;
using Ferry.Portal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ferry.Portal.Tests.Control;

[Collection(PortalCollection.Name)]
public sealed class MigrationTests(PortalFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Initializer_CreatesAndMigratesTheControlDatabase_FromNothing()
    {
        var connectionString = await DropAsync("ferry_migration_test");
        var contexts = Contexts(connectionString);

        await new ControlDatabaseInitializer(contexts, NullLogger<ControlDatabaseInitializer>.Instance).InitializeAsync(Token);

        await using var context = await contexts.CreateDbContextAsync(Token);
        Assert.Empty(await context.Database.GetPendingMigrationsAsync(Token));
        Assert.Equal(context.Database.GetMigrations(), await context.Database.GetAppliedMigrationsAsync(Token));
        Assert.False(context.Database.HasPendingModelChanges(), "The model has changes no migration holds: add a migration.");
        var tables = await TablesAsync(connectionString);
        Assert.Superset(
            new HashSet<string>(["nodes", "replication_sets", "subscriptions", "table_rules", "sequence_rules", "schedules",
                "audit_entries", "users", "roles", "user_roles"]),
            tables);
    }

    [Fact]
    public async Task Initializer_DoesNothing_OnASecondStart()
    {
        var connectionString = await DropAsync("ferry_migration_twice");
        var contexts = Contexts(connectionString);
        var initializer = new ControlDatabaseInitializer(contexts, NullLogger<ControlDatabaseInitializer>.Instance);
        await initializer.InitializeAsync(Token);

        await initializer.InitializeAsync(Token);

        await using var context = await contexts.CreateDbContextAsync(Token);
        Assert.Empty(await context.Database.GetPendingMigrationsAsync(Token));
    }

    [Fact]
    public async Task AuditEntries_CannotBeChanged()
    {
        await using var scope = fixture.Portal.Services.CreateAsyncScope();
        var contexts = scope.ServiceProvider.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using var context = await contexts.CreateDbContextAsync(Token);
        var entry = new AuditEntry { At = DateTimeOffset.UtcNow, UserName = "test", Action = "create", EntityType = "Test" };
        context.AuditEntries.Add(entry);
        await context.SaveChangesAsync(Token);

        entry.Action = "forged";

        await Assert.ThrowsAsync<InvalidOperationException>(() => context.SaveChangesAsync(Token));
    }

    [Fact]
    public async Task AuditEntries_CannotBeUpdated_EvenWithPlainSql()
    {
        var connectionString = await DropAsync("ferry_audit_append_only");
        await new ControlDatabaseInitializer(Contexts(connectionString), NullLogger<ControlDatabaseInitializer>.Instance)
            .InitializeAsync(Token);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        await using var insert = new NpgsqlCommand(
            "INSERT INTO ferry.audit_entries (at, user_name, action, entity_type) VALUES (now(), 'test', 'create', 'Test')", connection);
        await insert.ExecuteNonQueryAsync(Token);

        await using var update = new NpgsqlCommand("UPDATE ferry.audit_entries SET action = 'forged'", connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => update.ExecuteNonQueryAsync(Token));

        Assert.Contains("never changed", refused.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TableRuleFilterMigration_KeepsTheFiltersStoredBefore()
    {
        var connectionString = await DropAsync("ferry_migration_filter");
        var contexts = Contexts(connectionString);
        await using (var before = await contexts.CreateDbContextAsync(Token))
        {
            await before.GetService<IMigrator>().MigrateAsync("20261129143539_ThroughputBuckets", cancellationToken: Token);
        }
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(Token);
            await using var insert = new NpgsqlCommand("""
                INSERT INTO ferry.nodes (name, host, port, database, user_name, ssl_mode, created_at, updated_at)
                VALUES ('n', 'h', 5432, 'd', 'u', 'Disable', now(), now());
                INSERT INTO ferry.replication_sets (name, root_node_id, queue_name, created_at, updated_at)
                VALUES ('s', 1, 's', now(), now());
                INSERT INTO ferry.subscriptions (set_id, target_node_id, consumer_name, state, created_at, updated_at)
                VALUES (1, 1, 'c', 'Active', now(), now());
                INSERT INTO ferry.table_rules (subscription_id, source_schema, source_table, target_schema, target_table, row_filter,
                    key_columns, state, rows_copied, created_at, updated_at)
                VALUES (1, 'app', 't', 'app', 't', 'region = ''EU''', '{id}', 'Ok', 0, now(), now());
                """, connection);
            await insert.ExecuteNonQueryAsync(Token);
        }

        await new ControlDatabaseInitializer(contexts, NullLogger<ControlDatabaseInitializer>.Instance).InitializeAsync(Token);

        await using var context = await contexts.CreateDbContextAsync(Token);
        Assert.Equal("region = 'EU'", (await context.TableRules.SingleAsync(Token)).Filter);
    }

    private async Task<string> DropAsync(string database)
    {
        await using var connection = new NpgsqlConnection(fixture.Postgres.Cluster.ConnectionString());
        await connection.OpenAsync(Token);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync(Token);
        return fixture.Postgres.ConnectionStringFor(database);
    }

    private static IDbContextFactory<ControlDbContext> Contexts(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddDbContextFactory<ControlDbContext>(options => ControlDbContext.Configure(options, connectionString));
        return services.BuildServiceProvider().GetRequiredService<IDbContextFactory<ControlDbContext>>();
    }

    private static async Task<HashSet<string>> TablesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'ferry'", connection);
        await using var reader = await command.ExecuteReaderAsync(Token);
        var tables = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(Token))
        {
            tables.Add(reader.GetString(0));
        }
        return tables;
    }
}
