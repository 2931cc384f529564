using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Nodes;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// A table rule writes only into the schemas an Admin allows on its target node (and never into Ferry's or PostgreSQL's):
/// checked when the rule is added and when a resync runs, with a refusal that names the allowed schemas and who can change
/// them; nothing is stored, captured or emptied when refused.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TargetSchemasTests(ClusterFixture clusters)
{
    private static readonly ClaimsPrincipal Admin = ReplicationTestEnvironment.User("ada", FerryRoles.Admin);
    private static readonly ClaimsPrincipal Operator = ReplicationTestEnvironment.User("olga", FerryRoles.Operator);
    private static readonly ClaimsPrincipal Viewer = ReplicationTestEnvironment.User("victor", FerryRoles.Viewer);

    [Fact]
    public async Task AddTable_RefusesATargetOutsideTheNodesSchemas_AndChangesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await ScenarioAsync("ts_add", ["digoal_01"]);

        var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(() => scenario.Service.AddTableAsync(
            Operator, scenario.SubscriptionId, new AddTableRequest("digoal_01.user_info", "keep.user_info"), ct));

        Assert.Equal(RefusalKind.BadInput, refused.Kind);
        Assert.Contains("Node 'target' lets table rules write only into schema(s) \"digoal_01\"", refused.Message,
            StringComparison.Ordinal);
        Assert.Contains("\"keep\".\"user_info\" is in \"keep\"", refused.Message, StringComparison.Ordinal);
        Assert.Contains("ask an Admin", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await scenario.CountRulesAsync());
        Assert.Empty(await new QueueAdmin(scenario.Source).GetCapturedTablesAsync("ts_add", ct));
        Assert.Equal(3L, await ScalarAsync(scenario.Target, "SELECT count(*) FROM keep.user_info"));

        // Inside the allowed schema the same table is accepted.
        await scenario.Service.AddTableAsync(Operator, scenario.SubscriptionId, new AddTableRequest("digoal_01.user_info"), ct);
        Assert.Equal(1, await scenario.CountRulesAsync());
    }

    [Theory]
    [InlineData("ferry.table_state")]
    [InlineData("pg_catalog.pg_class")]
    [InlineData("information_schema.tables")]
    public async Task AddTable_RefusesFerrysAndPostgresSchemas_OnAnUnrestrictedNode(string target)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await ScenarioAsync("ts_reserved_" + target.Split('.')[0], null);

        var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(() => scenario.Service.AddTableAsync(
            Operator, scenario.SubscriptionId, new AddTableRequest("digoal_01.user_info", target, CreateTarget: true), ct));

        Assert.Contains("which belongs to Ferry or PostgreSQL: table rules never write there", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await scenario.CountRulesAsync());
    }

    [Fact]
    public async Task Resync_IsRefused_OnceAnAdminNoLongerAllowsTheSchema()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await ScenarioAsync("ts_resync", null);
        var status = scenario.Engine.Services.GetRequiredService<ReplicationStatusQuery>();
        var table = await scenario.Service.AddTableAsync(Operator, scenario.SubscriptionId, new AddTableRequest("digoal_01.user_info"), ct);
        await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Viewer, scenario.SubscriptionId, ct),
            s => s.Tables.All(t => t.State == nameof(TableState.Ok)), TimeSpan.FromSeconds(30), s => s.Tables[0].State);
        var nodes = scenario.Engine.Services.GetRequiredService<NodeAdministration>();
        var node = await nodes.GetAsync(Admin, scenario.TargetNodeId, ct);
        await nodes.UpdateAsync(Admin, node.Id, Input(node, ["keep"]), ct);

        var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(
            () => scenario.Service.ResyncTableAsync(Operator, scenario.SubscriptionId, table.Id, ct));

        Assert.Contains("only into schema(s) \"keep\"", refused.Message, StringComparison.Ordinal);
        Assert.Equal(nameof(TableState.Ok), (await status.GetSubscriptionAsync(Viewer, scenario.SubscriptionId, ct)).Tables[0].State);
    }

    [Fact]
    public async Task Nodes_KeepTargetSchemasCleaned_KeepThemOnAnUpdateWithout_AndRefuseReservedOnes()
    {
        var ct = TestContext.Current.CancellationToken;
        var control = await clusters.CreateDatabaseAsync(15, "ts_control_nodes");
        await using var engine = await ReplicationTestEnvironment.StartAsync(control, ct);
        var nodes = engine.Services.GetRequiredService<NodeAdministration>();
        var input = new NodeInput("n1", "127.0.0.1", 5432, "db", "u", null, SslMode.Disable, [" sales ", "sales", "Reports"]);

        var created = await nodes.CreateAsync(Admin, input, ct);
        Assert.Equal(["sales", "Reports"], created.TargetSchemas);
        var kept = await nodes.UpdateAsync(Admin, created.Id, input with { Host = "localhost", TargetSchemas = null }, ct);
        Assert.Equal(["sales", "Reports"], kept.TargetSchemas);
        var any = await nodes.UpdateAsync(Admin, created.Id, input with { TargetSchemas = [] }, ct);
        Assert.Null(any.TargetSchemas);

        var refused = await Assert.ThrowsAsync<RequestRefusedException>(
            () => nodes.UpdateAsync(Admin, created.Id, input with { TargetSchemas = ["sales", "ferry"] }, ct));
        Assert.Contains("The schema 'ferry' belongs to Ferry or PostgreSQL", refused.Message, StringComparison.Ordinal);
        Assert.Null((await nodes.GetAsync(Admin, created.Id, ct)).TargetSchemas);
        await Assert.ThrowsAsync<AccessDeniedException>(() => nodes.UpdateAsync(Operator, created.Id, input, ct));
    }

    private static NodeInput Input(NodeView node, IReadOnlyList<string>? schemas) =>
        new(node.Name, node.Host, node.Port, node.Database, node.UserName, null, node.SslMode, schemas);

    /// <summary>Source, target (the seed tables and <c>keep.user_info</c>, other data), a set and a subscription.</summary>
    private async Task<Scenario> ScenarioAsync(string name, IReadOnlyList<string>? targetSchemas)
    {
        var ct = TestContext.Current.CancellationToken;
        var cluster = (await clusters.GetAsync(15)).ConnectionString();
        var sourceCs = await SeedScenario.CreateSourceAsync(cluster, name + "_src", "digoal_01", "pw1", 50, ct);
        var targetCs = await SeedScenario.CreateTargetAsync(cluster, name + "_t", "digoal_01", "pw1", allTables: true, ct);
        var target = NpgsqlDataSource.Create(targetCs);
        await using (var keep = target.CreateCommand("""
            CREATE SCHEMA keep;
            CREATE TABLE keep.user_info (LIKE digoal_01.user_info INCLUDING ALL);
            INSERT INTO keep.user_info (userid, engname) VALUES (1, 'a'), (2, 'b'), (3, 'c');
            """))
        {
            await keep.ExecuteNonQueryAsync(ct);
        }
        var engine = await ReplicationTestEnvironment.StartAsync(await clusters.CreateDatabaseAsync(15, name + "_control"), ct);
        var nodes = engine.Services.GetRequiredService<NodeAdministration>();
        var sourceNode = await nodes.CreateAsync(Admin, FromConnectionString("source", sourceCs, null), ct);
        var targetNode = await nodes.CreateAsync(Admin, FromConnectionString("target", targetCs, targetSchemas), ct);
        // The Admin who added the nodes sets them up (installing Ferry there is the Admin's part).
        var set = await engine.Services.GetRequiredService<SetService>().CreateSetAsync(Admin, name, sourceNode.Id, ct);
        var subscription = await engine.Services.GetRequiredService<SubscriptionService>().SubscribeAsync(Admin, set.Id, targetNode.Id, ct);
        var service = engine.Services.GetRequiredService<TableRuleService>();
        return new Scenario(engine, service, NpgsqlDataSource.Create(sourceCs), target, subscription.Id, targetNode.Id);
    }

    private static NodeInput FromConnectionString(string name, string connectionString, IReadOnlyList<string>? schemas)
    {
        var parts = new NpgsqlConnectionStringBuilder(connectionString);
        return new NodeInput(name, parts.Host!, parts.Port, parts.Database!, parts.Username!, parts.Password, SslMode.Disable, schemas);
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private sealed record Scenario(
        ReplicationTestEnvironment Engine, TableRuleService Service, NpgsqlDataSource Source, NpgsqlDataSource Target,
        int SubscriptionId, int TargetNodeId) : IAsyncDisposable
    {
        public async Task<int> CountRulesAsync()
        {
            var contexts = Engine.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
            await using var context = await contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
            return await context.TableRules.CountAsync(TestContext.Current.CancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            await Engine.DisposeAsync();
            await Source.DisposeAsync();
            await Target.DisposeAsync();
        }
    }
}
