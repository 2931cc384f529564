using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Queue;

public sealed class CaptureTests(ClusterFixture clusters) : QueueTestBase(clusters)
{
    [Theory]
    [MemberData(nameof(Majors))]
    public async Task EnableCapture_RefusesWithTableNameAndMissingKey_WhenTableHasNoKey(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node,
            """
            CREATE SCHEMA app;
            CREATE TABLE app.login_log (userid int, login_time timestamptz);
            CREATE TABLE app.nullable_unique (id int UNIQUE, v text);
            """);

        var error = await Assert.ThrowsAsync<CaptureRefusedException>(() => admin.EnableCaptureAsync("q", "app.login_log", Ct));
        Assert.Contains("app.login_log", error.Message, StringComparison.Ordinal);
        Assert.Contains("no primary key and no unique index on NOT NULL columns", error.Message, StringComparison.Ordinal);
        Assert.Contains("ADD PRIMARY KEY", error.Message, StringComparison.Ordinal);
        // A unique index on a nullable column does not identify rows either.
        await Assert.ThrowsAsync<CaptureRefusedException>(() => admin.EnableCaptureAsync("q", "app.nullable_unique", Ct));
        Assert.Empty(await admin.GetCapturedTablesAsync("q", Ct));
        Assert.Equal(0L, await ScalarAsync<long>(node, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'ferry%'"));
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task EnableCapture_UsesUniqueNotNullKey_WhenTableHasNoPrimaryKey(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node, "CREATE TABLE t (a int NOT NULL, b text NOT NULL, v text, UNIQUE (a, b))");

        Assert.Equal(["a", "b"], await admin.EnableCaptureAsync("q", "t", Ct));
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);
        await ExecuteAsync(node, "INSERT INTO t VALUES (1, 'x', 'v'); DELETE FROM t");
        await admin.TickAsync("q", Ct);

        var events = (await DrainAsync(consumer)).Select(e => e.Event).ToList();
        Assert.Equal([EventTypes.Insert, EventTypes.Delete], events.Select(e => e.Type));
        // A delete carries the old row (the consumer takes the key by name), as its record text, with the column names.
        Assert.Equal(["a", "b", "v"], EventRow.Names(events[1].Data!));
        Assert.Equal("(1,x,v)", events[1].Extra);
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task Capture_WritesEventContract_ForEachKindOfChange(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node, """CREATE SCHEMA "My App"; CREATE TABLE "My App".t (id int PRIMARY KEY, v text)""");
        await admin.EnableCaptureAsync("q", "\"My App\".t", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);

        await ExecuteAsync(node,
            """
            INSERT INTO "My App".t VALUES (1, 'a'), (2, 'b');
            UPDATE "My App".t SET v = 'c' WHERE id = 1;
            UPDATE "My App".t SET id = id + 10;
            DELETE FROM "My App".t WHERE id = 11;
            TRUNCATE "My App".t;
            """);
        await admin.TickAsync("q", Ct);

        var events = (await DrainAsync(consumer)).Select(e => e.Event).ToList();
        Assert.All(events, e => Assert.Equal("\"My App\".t", e.Table));
        Assert.Equal(
            [
                "I (1,a)", "I (2,b)",
                "U (1,c)",
                // A key change: deletes of the old rows come before the statement's updates (rows in heap order:
                // the update of row 1 above moved it behind row 2).
                "D (2,b)", "D (1,c)", "U (12,b)", "U (11,c)",
                "D (11,c)",
                "T ",
            ],
            events.Select(e => $"{e.Type} {e.Extra}"));
        // Every row event names its columns (the keys of a row's JSON object: a statement's first row's); truncates have none.
        Assert.All(events.Where(e => e.Type != EventTypes.Truncate), e => Assert.Equal(["id", "v"], EventRow.Names(e.Data!)));
        Assert.Null(events[^1].Data);
        // A statement whose first row is large names its columns in a JSON array instead of repeating that row in each event.
        await ExecuteAsync(node, """INSERT INTO "My App".t SELECT g, repeat('x', 300) FROM generate_series(1, 3) g""");
        await admin.TickAsync("q", Ct);
        Assert.All(await DrainAsync(consumer), e => Assert.Equal("[\"id\",\"v\"]", e.Event.Data));
        Assert.Single(events.Select(e => e.TxId).Distinct());
        Assert.Equal(events.Select(e => e.Id).Order(), events.Select(e => e.Id));
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task Capture_WorksForColumnsNamedLikeItsRowAliases(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node, "CREATE TABLE t (k int PRIMARY KEY, n int, o text, h int, r int)");
        await admin.EnableCaptureAsync("q", "t", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);

        await ExecuteAsync(node, "INSERT INTO t VALUES (1, 2, 'x', 5, 6); UPDATE t SET n = 3; UPDATE t SET k = 4; DELETE FROM t");
        await admin.TickAsync("q", Ct);

        Assert.Equal(
            ["I (1,2,x,5,6)", "U (1,3,x,5,6)", "D (1,3,x,5,6)", "U (4,3,x,5,6)", "D (4,3,x,5,6)"],
            (await DrainAsync(consumer)).Select(e => $"{e.Event.Type} {e.Event.Extra}"));
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task Capture_IgnoresTheWritersSearchPath_WhenItShadowsBuiltIns(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node,
            """
            CREATE TABLE t (id int PRIMARY KEY);
            CREATE SCHEMA evil;
            CREATE FUNCTION evil.quote_ident(text) RETURNS text LANGUAGE sql AS $$ SELECT 'hijacked' $$;
            CREATE FUNCTION evil.text_eq(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$;
            CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.text_eq);
            """);
        await admin.EnableCaptureAsync("q", "t", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);

        // The capture function runs as its owner (SECURITY DEFINER): a writer's search_path must not change what it runs.
        await ExecuteAsync(node, "SET search_path = evil, pg_catalog, public; INSERT INTO public.t VALUES (1); RESET search_path");
        await admin.TickAsync("q", Ct);

        var e = Assert.Single(await DrainAsync(consumer)).Event;
        Assert.Equal((EventTypes.Insert, "public.t"), (e.Type, e.Table));
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task Capture_RoundTripsEveryValueExactly_ThroughTheTextRow(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node,
            """
            CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
            CREATE DOMAIN short_text AS text CHECK (length(VALUE) < 20);
            CREATE TABLE typed (
                id int PRIMARY KEY, i2 smallint, i4 int, i8 bigint, num numeric, num_scaled numeric(30, 10), f8 float8,
                t text, t_empty text, b bytea, ts timestamp, tstz timestamptz, d date, iv interval, ip inet, u uuid,
                j json, jb jsonb, arr int[], tarr text[], arr2 int[], e mood, dom short_text);
            """);
        await admin.EnableCaptureAsync("q", "typed", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);
        await ExecuteAsync(node,
            """
            INSERT INTO typed VALUES
            (1, -32768, -2147483648, 9223372036854775807, 12345678901234567890.123456789012345678901234567890,
             -1234.5678900000, 0.1,
             E'公益是一辈子的事, I''m Digoal.Zhou 😀 "quoted" \\ back\nslash\ttab', '',
             '\x00ff5c2227'::bytea, '2024-02-29 23:59:59.999999', '1999-12-31 23:59:59.123456+05:30', '0001-01-01',
             '1 year 2 months -3 days 04:05:06.789', '2001:db8::1/64', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
             '{"b": [1, 2.50, null], "a" : "x",  "a": "dup"}', '{"k": {"n": 1.50}, "s": "文"}',
             '{1,NULL,3}', '{"",NULL,"a,b","\"q\""}', '{{1,2},{3,4}}', 'happy', 'domain ✓'),
            (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             NULL, NULL, NULL, NULL),
            (3, 0, 0, 0, 'NaN', 0, '-Infinity', ' ', '', '\x'::bytea, 'infinity', '-infinity', 'infinity', '0', '10.0.0.1',
             '00000000-0000-0000-0000-000000000000', '"just a string"', '[]', '{}', '{}', '{}', 'sad', '');
            """);
        await admin.TickAsync("q", Ct);

        var events = (await DrainAsync(consumer)).Select(e => e.Event).ToList();

        Assert.Equal(3, events.Count);
        // Send each event's data back as a client would and rebuild the row: its text form must equal the source row's
        // (record text shows NULL as nothing and '' as "", so NULL and empty string cannot be confused).
        await using var connection = await node.OpenConnectionAsync(Ct);
        await using (var tz = new NpgsqlCommand("SET TimeZone = 'America/St_Johns'", connection))
        {
            await tz.ExecuteNonQueryAsync(Ct);
        }
        var columns = (await LiveColumns.ReadAsync(connection, ["public.typed"], Ct))["public.typed"]
            .Select(c => new ColumnDefinition(c.Name, c.Type, "", false, c.JsonType)).ToList();
        var names = new EventRow.NamesCache();
        foreach (var e in events.Select(e => EventRow.ToTextRow(e, ref names)))
        {
            await using var compare = new NpgsqlCommand(
                $"""
                SELECT (SELECT ROW(r.*)::text FROM {TargetTableSql.Populate("public.typed", columns, "$1::json", "r")}),
                       (SELECT s::text FROM typed AS s WHERE s.id = ($1::json ->> 'id')::int)
                """, connection);
            compare.Parameters.Add(new NpgsqlParameter { Value = e.Data! });
            await using var reader = await compare.ExecuteReaderAsync(Ct);
            await reader.ReadAsync(Ct);
            Assert.Equal(reader.GetString(1), reader.GetString(0));
        }
        Assert.Contains("公益是一辈子的事", events[0].Extra, StringComparison.Ordinal);
    }
}
