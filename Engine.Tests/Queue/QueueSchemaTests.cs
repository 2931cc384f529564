using Ferry.Engine.Consumers;
using Ferry.Engine.Demo;
using Ferry.Engine.Maintenance;
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
        // Events queued before the upgrade keep their row_to_json rows; new ones come in the v5 encoding (ADR-014).
        Assert.Equal("{\"id\":1,\"v\":\"before upgrade\"}", events[0].Event.Data);
        Assert.Equal(["id", "v"], EventRow.Names(events[1].Event.Data!));
        Assert.Equal("(2,\"after upgrade\")", events[1].Event.Extra);
        Assert.Equal(["before upgrade", "after upgrade"], events.Select(e => Row(e.Event).GetProperty("v").GetString()));
        await admin.ConfigureAsync("q", new QueueSettings(TickerPaused: true), Ct);
        Assert.True((await admin.GetSettingsAsync("q", Ct)).TickerPaused);
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task Upgrade_MovesCapturedPartitionedTablesToRowTriggers_SoMovedRowsLeaveTheirOldPartition(int major)
    {
        var node = await CreateNodeAsync(major, install: false);
        Assert.Equal(4, await QueueSchema.InstallAsync(node, 4, Ct));
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node, """
            CREATE TABLE p (id int, region text, PRIMARY KEY (region, id)) PARTITION BY LIST (region);
            CREATE TABLE p_eu PARTITION OF p FOR VALUES IN ('eu');
            CREATE TABLE p_us PARTITION OF p FOR VALUES IN ('us');
            """);
        await admin.EnableCaptureAsync("q", "p", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);

        Assert.Equal(QueueSchema.LatestVersion, await QueueSchema.InstallAsync(node, Ct));
        await ExecuteAsync(node, "INSERT INTO p VALUES (1, 'eu'); UPDATE p SET region = 'us'; INSERT INTO p_eu VALUES (2, 'eu')");
        await admin.TickAsync("q", Ct);

        // Under v4 the move was one update of the new row (the old one stayed on targets) and the partition's insert was lost.
        Assert.Equal(["I public.p (1,eu)", "D public.p (1,eu)", "I public.p (1,us)", "I public.p (2,eu)"],
            (await DrainAsync(consumer)).Select(e => $"{e.Event.Type} {e.Event.Table} {e.Event.Extra}"));
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
        Assert.Equal("changed", Row(e).GetProperty("engname").GetString());
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task Upgrade_RevokesExecuteOnCaptureFunctions_WhileWritersStillCapture(int major)
    {
        // Version 4 left EXECUTE on the SECURITY DEFINER capture function to PUBLIC: any role with USAGE on schema ferry could
        // attach it to a table of its own and write events into the queue as the function's owner.
        var cluster = await Clusters.GetAsync(major);
        var owner = await SeedScenario.CreateSourceAsync(
            cluster.ConnectionString(), $"q{major}_revoke", $"q{major}_rowner", "owner-pw", 100, Ct);
        await using var node = NpgsqlDataSource.Create(owner);
        Assert.Equal(4, await QueueSchema.InstallAsync(node, 4, Ct));
        var admin = new QueueAdmin(node);
        var queue = await admin.CreateQueueAsync("q", Ct);
        await admin.EnableCaptureAsync("q", $"q{major}_rowner.user_info", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);
        var app = $"q{major}_rapp";
        await using (var superuser = NpgsqlDataSource.Create(cluster.ConnectionString($"q{major}_revoke")))
        {
            await ExecuteAsync(superuser, $"DROP ROLE IF EXISTS {app}; CREATE ROLE {app} LOGIN PASSWORD 'app-pw'");
            await ExecuteAsync(superuser, $"CREATE SCHEMA {app} AUTHORIZATION {app}");
        }
        await ExecuteAsync(node, $"GRANT USAGE ON SCHEMA ferry, q{major}_rowner TO {app}; GRANT SELECT, UPDATE ON q{major}_rowner.user_info TO {app}");
        await using var appNode = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(owner) { Username = app, Password = "app-pw" }.ConnectionString);
        await ExecuteAsync(appNode, $"CREATE TABLE {app}.mine (id int)");
        var attach = $"CREATE TRIGGER fake AFTER INSERT ON {app}.mine FOR EACH STATEMENT EXECUTE FUNCTION ferry.capture_{queue}()";
        await ExecuteAsync(appNode, attach);
        await ExecuteAsync(appNode, $"DROP TRIGGER fake ON {app}.mine");

        Assert.Equal(QueueSchema.LatestVersion, await QueueSchema.InstallAsync(node, Ct));

        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(appNode, attach));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(appNode, $"SELECT ferry.capture_{queue}()"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Contains($"capture_{queue}", refused.MessageText, StringComparison.Ordinal);
        // Firing a trigger needs no EXECUTE: the application still writes the captured table, and it is captured.
        await ExecuteAsync(appNode, $"UPDATE q{major}_rowner.user_info SET engname = 'after revoke' WHERE userid = 3");
        await admin.TickAsync("q", Ct);
        var e = Assert.Single(await DrainAsync(consumer)).Event;
        Assert.Equal((EventTypes.Update, "after revoke"), (e.Type, Row(e).GetProperty("engname").GetString()));
        // A queue made after the upgrade, and the function a rotation makes again, are revoked too.
        var second = await admin.CreateQueueAsync("q2", Ct);
        Assert.True(await new QueueMaintenance(node).RotateAsync("q", force: true, Ct));
        Assert.Equal(0L, await ScalarAsync<long>(node,
            "SELECT count(*) FROM pg_proc WHERE proname IN ($1, $2) AND has_function_privilege('public', oid, 'EXECUTE')",
            $"capture_{queue}", $"capture_{second}"));
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
