using Ferry.Engine.Consumers;
using Ferry.Engine.Demo;
using Ferry.Engine.Queue;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Queue;

public sealed class QueueSchemaTests(ClusterFixture clusters) : QueueTestBase(clusters)
{
    [Theory]
    [MemberData(nameof(Majors))]
    public async Task Install_ChangesNothing_WhenRunTwice(int major)
    {
        var node = await CreateNodeAsync(major, install: false);

        Assert.Equal(QueueSchema.LatestVersion, await QueueSchema.InstallAsync(node, Ct));
        await new QueueAdmin(node).CreateQueueAsync("q", Ct);
        var before = await ScalarAsync<string>(node, ObjectsSql);
        Assert.Equal(QueueSchema.LatestVersion, await QueueSchema.InstallAsync(node, Ct));

        Assert.Equal(before, await ScalarAsync<string>(node, ObjectsSql));
        Assert.Equal(QueueSchema.LatestVersion, await QueueSchema.GetInstalledVersionAsync(node, Ct));
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task Upgrade_KeepsQueuedEventsAndConsumers_WhenFromVersion1(int major)
    {
        var node = await CreateNodeAsync(major, install: false);
        Assert.Equal(1, await QueueSchema.InstallAsync(node, 1, Ct));
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node, "CREATE TABLE t (id int PRIMARY KEY, v text)");
        await admin.EnableCaptureAsync("q", "t", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);
        await ExecuteAsync(node, "INSERT INTO t VALUES (1, 'before upgrade')");

        Assert.Equal(QueueSchema.LatestVersion, await QueueSchema.InstallAsync(node, Ct));
        await ExecuteAsync(node, "INSERT INTO t VALUES (2, 'after upgrade')");
        await admin.TickAsync("q", Ct);

        var events = await DrainAsync(consumer);
        Assert.Equal(["{\"id\":1,\"v\":\"before upgrade\"}", "{\"id\":2,\"v\":\"after upgrade\"}"], events.Select(e => e.Event.Data));
        await admin.ConfigureAsync("q", new QueueSettings(TickerPaused: true), Ct);
        Assert.True((await admin.GetSettingsAsync("q", Ct)).TickerPaused);
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task Install_RefusesAndChangesNothing_WhenDatabaseHoldsNewerVersion(int major)
    {
        var node = await CreateNodeAsync(major);
        var newer = QueueSchema.LatestVersion + 1;
        await ExecuteAsync(node, $"UPDATE ferry.schema_version SET version = {newer} WHERE component = 'queue'");

        var error = await Assert.ThrowsAsync<QueueSchemaException>(() => QueueSchema.InstallAsync(node, Ct));

        Assert.Contains($"version {newer}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"version {QueueSchema.LatestVersion}", error.Message, StringComparison.Ordinal);
        Assert.Contains("Upgrade Ferry", error.Message, StringComparison.Ordinal);
        Assert.Equal(newer, await QueueSchema.GetInstalledVersionAsync(node, Ct));
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task Install_NeedsNoSuperuser_AndWritersNeedNoGrantOnFerry(int major)
    {
        var cluster = await Clusters.GetAsync(major);
        var owner = await SeedScenario.CreateSourceAsync(
            cluster.ConnectionString(), $"q{major}_nosuper", $"q{major}_owner", "owner-pw", 100, Ct);
        await using var node = NpgsqlDataSource.Create(owner);
        Assert.False(await ScalarAsync<bool>(node, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"));

        await QueueSchema.InstallAsync(node, Ct);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await admin.EnableCaptureAsync("q", $"q{major}_owner.user_info", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);
        // An application role with rights on the table only: the capture trigger runs as the ferry schema's owner.
        await using (var superuser = NpgsqlDataSource.Create(cluster.ConnectionString()))
        {
            await ExecuteAsync(superuser, $"DROP ROLE IF EXISTS q{major}_app; CREATE ROLE q{major}_app LOGIN PASSWORD 'app-pw'");
        }
        await ExecuteAsync(node,
            $"GRANT USAGE ON SCHEMA q{major}_owner TO q{major}_app; GRANT SELECT, UPDATE ON q{major}_owner.user_info TO q{major}_app");
        await using (var app = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(owner)
        {
            Username = $"q{major}_app",
            Password = "app-pw",
        }.ConnectionString))
        {
            await ExecuteAsync(app, $"UPDATE q{major}_owner.user_info SET engname = 'changed' WHERE userid = 7");
        }
        await admin.TickAsync("q", Ct);

        var e = Assert.Single(await DrainAsync(consumer)).Event;
        Assert.Equal((EventTypes.Update, $"q{major}_owner.user_info"), (e.Type, e.Table));
        Assert.Contains("\"engname\":\"changed\"", e.Data, StringComparison.Ordinal);
    }

    // Every object of schema ferry with its definition: equal before and after a second install.
    private const string ObjectsSql =
        """
        SELECT string_agg(x, E'\n' ORDER BY x) FROM (
            SELECT c.relname || ':' || c.relkind::text || ':' || c.oid AS x FROM pg_class c
             WHERE c.relnamespace = 'ferry'::regnamespace
            UNION ALL
            SELECT p.oid::regprocedure::text || ':' || md5(p.prosrc) FROM pg_proc p WHERE p.pronamespace = 'ferry'::regnamespace
        ) AS o
        """;
}
