using Ferry.Engine.Demo;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Demo;

[Collection(ClusterCollection.Name)]
public sealed class SeedScenarioTests(ClusterFixture clusters)
{
    [Fact]
    public async Task CreateSourceAndTargets_BuildsTheSeedSchema()
    {
        var cluster = await clusters.GetAsync(15);
        var source = await SeedScenario.CreateSourceAsync(cluster.ConnectionString(), "seed_src", "digoal_01", "pw1", 500,
            TestContext.Current.CancellationToken);
        var target2 = await SeedScenario.CreateTargetAsync(cluster.ConnectionString(), "seed_t2", "digoal_02", "pw2", allTables: false,
            TestContext.Current.CancellationToken);

        await using var src = new NpgsqlConnection(source);
        await src.OpenAsync(TestContext.Current.CancellationToken);
        await using (var login = new NpgsqlCommand("SELECT (digoal_01.f_user_login(7)).o_cnname", src))
        {
            Assert.Equal("德哥", await login.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM digoal_01.user_info", src))
        {
            Assert.Equal(500L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }

        await using var t2 = new NpgsqlConnection(target2);
        await t2.OpenAsync(TestContext.Current.CancellationToken);
        await using var tables = new NpgsqlCommand(
            "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'digoal_02'", t2);
        Assert.Equal("user_info,user_session", await tables.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }
}
