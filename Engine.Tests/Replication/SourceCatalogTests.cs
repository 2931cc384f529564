using System.Net;
using System.Net.Sockets;
using Ferry.Engine.Control;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Catalog;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// <see cref="SourceCatalogQuery"/> against a real source on PostgreSQL 13, 15 and 18: keys (primary key, a unique index as
/// the only key, none), estimated rows of analyzed, never analyzed and empty tables, quoted names, partitioned tables without
/// their partitions, Ferry's own schema hidden, the tables a subscription has already; and its refusals.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SourceCatalogTests(ClusterFixture clusters)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Operator = ReplicationTestEnvironment.User("olga", FerryRoles.Operator);
    private static readonly System.Security.Claims.ClaimsPrincipal Viewer = ReplicationTestEnvironment.User("victor", FerryRoles.Viewer);

    private const string SourceSql = """
        CREATE SCHEMA app;
        CREATE TABLE app.analyzed (id int PRIMARY KEY, v text);
        INSERT INTO app.analyzed SELECT g, 'row ' || g FROM generate_series(1, 1000) g;
        ANALYZE app.analyzed;
        CREATE TABLE app.never_analyzed (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = false);
        INSERT INTO app.never_analyzed SELECT g, 'row ' || g FROM generate_series(1, 20) g;
        CREATE TABLE app.empty (id int PRIMARY KEY);
        CREATE TABLE app.keyless (at timestamptz NOT NULL, what text) WITH (autovacuum_enabled = false);
        INSERT INTO app.keyless SELECT now(), 'event' FROM generate_series(1, 5);
        ANALYZE app.keyless;
        CREATE TABLE app.only_unique (a int NOT NULL, b int NOT NULL, c int, d text);
        CREATE UNIQUE INDEX only_unique_ab ON app.only_unique (a, b);
        CREATE UNIQUE INDEX only_unique_a ON app.only_unique (a) INCLUDE (d);
        CREATE UNIQUE INDEX only_unique_c ON app.only_unique (c);
        CREATE UNIQUE INDEX only_unique_partial ON app.only_unique (b) WHERE a > 0;
        CREATE UNIQUE INDEX only_unique_lower ON app.only_unique (lower(d));
        CREATE TABLE app."we""ird" ("Id" int PRIMARY KEY, "a b" text);
        CREATE TABLE app.events (id int NOT NULL, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
        CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE TABLE app.events_2026 PARTITION OF app.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        INSERT INTO app.events SELECT g, DATE '2025-06-01' + (g % 400) FROM generate_series(1, 800) g;
        ANALYZE app.events;
        CREATE VIEW app.a_view AS SELECT * FROM app.analyzed;
        CREATE SEQUENCE app.a_sequence;
        """;

    [Theory]
    [InlineData(13)]
    [InlineData(15)]
    [InlineData(18)]
    public async Task GetAsync_ListsTablesWithKeysEstimatesAndAdded_OnEachMajor(int major)
    {
        var ct = TestContext.Current.CancellationToken;
        var (engine, subscriptionId, sourceCs) = await SubscribedAsync(major, $"catalog_{major}", ct);
        await using var _ = engine;
        var tableRules = engine.Services.GetRequiredService<TableRuleService>();
        var catalog = engine.Services.GetRequiredService<SourceCatalogQuery>();
        await tableRules.AddTableAsync(Operator, subscriptionId,
            new AddTableRequest("app.analyzed", "app.analyzed_copy", CreateTarget: true), ct);

        var result = await catalog.GetAsync(Operator, subscriptionId, ct);

        Assert.Equal(subscriptionId, result.SubscriptionId);
        Assert.Equal("source", result.RootNodeName);
        Assert.Equal(["analyzed", "empty", "events", "keyless", "never_analyzed", "only_unique", "we\"ird"],
            result.Tables.Select(t => t.Name));
        Assert.All(result.Tables, t => Assert.Equal("app", t.Schema));
        var byName = result.Tables.ToDictionary(t => t.Name);

        var analyzed = byName["analyzed"];
        Assert.Equal(1000, analyzed.EstimatedRows);
        Assert.Equal(["id"], analyzed.PrimaryKey);
        Assert.Empty(analyzed.KeyIndexes);
        Assert.Null(analyzed.KeyNote);
        Assert.True(analyzed.Added);
        Assert.Equal("\"app\".\"analyzed_copy\"", analyzed.Target);

        Assert.Null(byName["never_analyzed"].EstimatedRows);
        Assert.Equal(0, byName["empty"].EstimatedRows);
        Assert.False(byName["never_analyzed"].Added);

        var keyless = byName["keyless"];
        Assert.Equal(5, keyless.EstimatedRows);
        Assert.False(keyless.HasKey);
        Assert.Empty(keyless.PrimaryKey);
        Assert.Empty(keyless.KeyIndexes);
        Assert.Contains("no primary key and no unique index over NOT NULL columns", keyless.KeyNote, StringComparison.Ordinal);

        // Only the unique indexes over NOT NULL key columns, without WHERE or expressions; the fewest columns first, as capture picks.
        var onlyUnique = byName["only_unique"];
        Assert.True(onlyUnique.HasKey);
        Assert.Empty(onlyUnique.PrimaryKey);
        Assert.Equal(["only_unique_a", "only_unique_ab"], onlyUnique.KeyIndexes.Select(i => i.Name));
        Assert.Equal(["a"], onlyUnique.KeyIndexes[0].Columns);
        Assert.Equal(["a", "b"], onlyUnique.KeyIndexes[1].Columns);
        Assert.Contains("\"only_unique_a\"", onlyUnique.KeyNote, StringComparison.Ordinal);

        var weird = byName["we\"ird"];
        Assert.Equal("app.\"we\"\"ird\"", weird.Text);
        Assert.Equal(["Id"], weird.PrimaryKey);

        var events = byName["events"];
        Assert.True(events.Partitioned);
        Assert.Equal(["id", "at"], events.PrimaryKey);
        Assert.Equal(800, events.EstimatedRows);

        // The name the picker hands over is the one the engine parses back: the quoted table can be added by it.
        var added = await tableRules.AddTableAsync(Operator, subscriptionId, new AddTableRequest(weird.Text, CreateTarget: true), ct);
        Assert.Equal("\"app\".\"we\"\"ird\"", added.Source);
        var again = await catalog.GetAsync(Operator, subscriptionId, ct);
        Assert.Equal("\"app\".\"we\"\"ird\"", again.Tables.Single(t => t.Name == "we\"ird").Target);
        // The queue schema the set installed on the source stays hidden.
        await using var source = NpgsqlDataSource.Create(sourceCs);
        await using var ferryTables = source.CreateCommand("SELECT count(*) FROM pg_tables WHERE schemaname = 'ferry'");
        Assert.True((long)(await ferryTables.ExecuteScalarAsync(ct))! > 0);
        Assert.DoesNotContain(again.Tables, t => t.Schema == "ferry");
    }

    [Fact]
    public async Task GetAsync_RefusesUnknownSubscriptionsViewersAndAnUnreachableRoot()
    {
        var ct = TestContext.Current.CancellationToken;
        var (engine, subscriptionId, _) = await SubscribedAsync(15, "catalog_refusals", ct);
        await using var _ = engine;
        var catalog = engine.Services.GetRequiredService<SourceCatalogQuery>();

        var unknown = await Assert.ThrowsAsync<ReplicationRefusedException>(() => catalog.GetAsync(Operator, 987_654, ct));
        Assert.StartsWith("There is no subscription 987654", unknown.Message, StringComparison.Ordinal);
        Assert.Equal(RefusalKind.NotFound, unknown.Kind);
        var viewer = await Assert.ThrowsAsync<AccessDeniedException>(() => catalog.GetAsync(Viewer, subscriptionId, ct));
        Assert.Contains("Operator", viewer.Message, StringComparison.Ordinal);

        // The root moves to a port where nothing listens.
        var contexts = engine.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using (var context = await contexts.CreateDbContextAsync(ct))
        {
            var port = FreePort();
            await context.Nodes.Where(n => n.Name == "source").ExecuteUpdateAsync(s => s.SetProperty(n => n.Port, port), ct);
        }
        var unreachable = await Assert.ThrowsAsync<ReplicationRefusedException>(() => catalog.GetAsync(Operator, subscriptionId, ct));
        Assert.StartsWith("Node 'source' did not answer", unreachable.Message, StringComparison.Ordinal);
        Assert.Contains("connection settings", unreachable.Message, StringComparison.Ordinal);
    }

    /// <summary>A source (the tables above) and an empty target on one major, a set and a subscription; returns the engine.</summary>
    private async Task<(ReplicationTestEnvironment Engine, int SubscriptionId, string SourceCs)> SubscribedAsync(
        int major, string name, CancellationToken ct)
    {
        var sourceCs = await clusters.CreateDatabaseAsync(major, name + "_src");
        var targetCs = await clusters.CreateDatabaseAsync(major, name + "_t");
        await using (var source = NpgsqlDataSource.Create(sourceCs))
        await using (var command = source.CreateCommand(SourceSql))
        {
            await command.ExecuteNonQueryAsync(ct);
        }
        await using (var target = NpgsqlDataSource.Create(targetCs))
        await using (var command = target.CreateCommand("CREATE SCHEMA app"))
        {
            await command.ExecuteNonQueryAsync(ct);
        }
        var engine = await ReplicationTestEnvironment.StartAsync(await clusters.CreateDatabaseAsync(major, name + "_control"), ct);
        var sets = engine.Services.GetRequiredService<SetService>();
        var subscriptions = engine.Services.GetRequiredService<SubscriptionService>();
        var set = await sets.CreateSetAsync(Operator, "cat", await engine.AddNodeAsync("source", sourceCs, ct), ct);
        var subscription = await subscriptions.SubscribeAsync(Operator, set.Id, await engine.AddNodeAsync("target", targetCs, ct), ct);
        return (engine, subscription.Id, sourceCs);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
