using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// Installing or upgrading Ferry on a node is an Admin's right (issue 14, "Roles and doors"): an Operator's set or
/// subscription on a node without it, or with an older version, is refused and changes nothing; an Admin's installs it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FerryInstallTests(ClusterFixture clusters)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Operator = ReplicationTestEnvironment.User("olga", FerryRoles.Operator);
    private static readonly System.Security.Claims.ClaimsPrincipal Admin = ReplicationTestEnvironment.User("ada", FerryRoles.Admin);

    [Fact]
    public async Task OperatorOnANodeWithoutFerryOrWithAnOlderOne_IsRefusedAndChangesNothing_AnAdminInstalls()
    {
        var ct = TestContext.Current.CancellationToken;
        var cluster = (await clusters.GetAsync(15)).ConnectionString();
        var sourceCs = await SeedScenario.CreateSourceAsync(cluster, "install_src", "digoal_01", "pw1", 10, ct);
        var targetCs = await SeedScenario.CreateTargetAsync(cluster, "install_t", "digoal_01", "pw1", allTables: true, ct);
        await using var engine = await ReplicationTestEnvironment.StartAsync(await clusters.CreateDatabaseAsync(15, "install_control"), ct);
        await using var source = NpgsqlDataSource.Create(sourceCs);
        await using var target = NpgsqlDataSource.Create(targetCs);
        var sets = engine.Services.GetRequiredService<SetService>();
        var subscriptions = engine.Services.GetRequiredService<SubscriptionService>();
        var sourceNode = await engine.AddNodeAsync("source", sourceCs, ct, installFerry: false);
        var targetNode = await engine.AddNodeAsync("target", targetCs, ct, installFerry: false);

        var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(() => sets.CreateSetAsync(Operator, "inst", sourceNode, ct));
        Assert.Equal(RefusalKind.NeedsAdmin, refused.Kind);
        Assert.StartsWith("An Admin must install Ferry on node 'source'", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await QueueSchema.GetInstalledVersionAsync(source, ct));

        var older = QueueSchema.LatestVersion - 1;
        await QueueSchema.InstallAsync(source, older, ct);
        refused = await Assert.ThrowsAsync<ReplicationRefusedException>(() => sets.CreateSetAsync(Operator, "inst", sourceNode, ct));
        Assert.Equal(RefusalKind.NeedsAdmin, refused.Kind);
        Assert.Contains($"at version {older}, this Ferry needs version {QueueSchema.LatestVersion}", refused.Message, StringComparison.Ordinal);
        Assert.Equal(older, await QueueSchema.GetInstalledVersionAsync(source, ct));

        // The Admin's action upgrades on the way (and the refused ones created no set: the name is still free).
        var set = await sets.CreateSetAsync(Admin, "inst", sourceNode, ct);
        Assert.Equal(QueueSchema.LatestVersion, await QueueSchema.GetInstalledVersionAsync(source, ct));

        refused = await Assert.ThrowsAsync<ReplicationRefusedException>(() => subscriptions.SubscribeAsync(Operator, set.Id, targetNode, ct));
        Assert.Equal(RefusalKind.NeedsAdmin, refused.Kind);
        Assert.StartsWith("An Admin must install Ferry on node 'target'", refused.Message, StringComparison.Ordinal);
        await using (var schema = target.CreateCommand("SELECT to_regnamespace('ferry') IS NULL"))
        {
            Assert.True((bool)(await schema.ExecuteScalarAsync(ct))!, "nothing was installed on the target");
        }

        var subscription = await subscriptions.SubscribeAsync(Admin, set.Id, targetNode, ct);
        Assert.Equal(QueueSchema.LatestVersion, await QueueSchema.GetInstalledVersionAsync(target, ct));
        Assert.Equal(set.Id, subscription.SetId);
    }
}
