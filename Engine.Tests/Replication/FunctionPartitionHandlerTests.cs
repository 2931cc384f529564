using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Tests.Support;
using static Ferry.Engine.Tests.Replication.ServiceScenario;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// The function and partition handlers on the real queue (issue 11, docs/decisions/ADR-019-handlers.md): options checked on
/// the target when the rule is saved; a PL/pgSQL function given every change in order, its error stopping the table with its
/// message, retried after the fix; rows crossing a month boundary going to their month's table, created when missing.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FunctionPartitionHandlerTests(ClusterFixture clusters)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FunctionHandler_GivesEachChangeToTheDbasFunction_AndItsErrorStopsTheTableUntilRetried()
    {
        const string table = "CREATE SCHEMA app; CREATE TABLE app.orders (id int PRIMARY KEY, amount numeric(10,2), note text);";
        await using var scenario = await ServiceScenario.StartAsync(clusters, "handler_fn", 13, 18,
            table + "INSERT INTO app.orders SELECT g, g * 1.5, 'n' || g FROM generate_series(1, 20) g;",
            table + """
                CREATE TABLE app.audit (n bigserial PRIMARY KEY, op text, new_row jsonb, old_key jsonb);
                CREATE FUNCTION app.record(op text, new_row jsonb, old_key jsonb) RETURNS void LANGUAGE plpgsql AS $$
                BEGIN
                    IF new_row ->> 'note' = 'boom' THEN RAISE EXCEPTION 'boom is not a note for order %', new_row ->> 'id'; END IF;
                    INSERT INTO app.audit (op, new_row, old_key) VALUES (op, new_row, old_key);
                END $$;
                CREATE FUNCTION app.wrong(op text, new_row json) RETURNS void LANGUAGE sql AS 'SELECT 1';
                """);
        var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(() => Add(scenario, "app.wrong"));
        Assert.Contains("the target has no function app.wrong(text, jsonb, jsonb): create it", refused.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<ReplicationRefusedException>(() => scenario.Service.AddTableAsync(Operator,
            scenario.SubscriptionId, new AddTableRequest("app.orders", Handler: "function"), Ct));
        Assert.Contains("needs the option(s) 'function'", missing.Message, StringComparison.Ordinal);

        var added = await Add(scenario, "app.record");
        Assert.Equal("app.record", added.HandlerOptions!["function"]);
        await scenario.WaitOkAsync("app.orders");
        await ExecuteAsync(scenario.Source, """
            INSERT INTO app.orders VALUES (21, 9.99, 'new');
            UPDATE app.orders SET amount = 2.25 WHERE id = 1;
            DELETE FROM app.orders WHERE id = 2;
            UPDATE app.orders SET id = 103 WHERE id = 3;
            """);
        await Eventually.WaitAsync(() => ScalarAsync<long>(scenario.Target, "SELECT count(*) FROM app.audit"), n => n == 5,
            TimeSpan.FromSeconds(90), n => $"{n} of 5 changes reached the function");
        Assert.Equal(
            "INSERT {\"id\": 21, \"note\": \"new\", \"amount\": 9.99} |"
            + "UPDATE {\"id\": 1, \"note\": \"n1\", \"amount\": 2.25} {\"id\": 1}|"
            + "DELETE  {\"id\": 2}|"
            + "DELETE  {\"id\": 3}|"
            + "UPDATE {\"id\": 103, \"note\": \"n3\", \"amount\": 4.50} {\"id\": 103}",
            await ScalarAsync<string>(scenario.Target,
                "SELECT string_agg(op || ' ' || coalesce(new_row::text, '') || ' ' || coalesce(old_key::text, ''), '|' ORDER BY n) FROM app.audit"));
        // The copy wrote the target table; the function, not Ferry, decides what the changes do.
        Assert.Equal(20L, await ScalarAsync<long>(scenario.Target, "SELECT count(*) FROM app.orders"));

        await ExecuteAsync(scenario.Source, "UPDATE app.orders SET note = 'boom' WHERE id = 4; INSERT INTO app.orders VALUES (22, 1, 'after')");
        var stopped = await scenario.WaitTableAsync("app.orders", t => t.State == "Error");
        Assert.Contains("boom is not a note for order 4", stopped.LastError, StringComparison.Ordinal);
        Assert.Contains("retry the table", stopped.LastError, StringComparison.Ordinal);
        Assert.Equal(5L, await ScalarAsync<long>(scenario.Target, "SELECT count(*) FROM app.audit"));

        await ExecuteAsync(scenario.Target, """
            CREATE OR REPLACE FUNCTION app.record(op text, new_row jsonb, old_key jsonb) RETURNS void LANGUAGE sql AS
            'INSERT INTO app.audit (op, new_row, old_key) VALUES (op, new_row, old_key)';
            """);
        await scenario.Service.RetryTableAsync(Operator, scenario.SubscriptionId, stopped.Id, Ct);
        await Eventually.WaitAsync(() => ScalarAsync<long>(scenario.Target, "SELECT count(*) FROM app.audit"), n => n == 7,
            TimeSpan.FromSeconds(90), n => $"{n} of 7 changes reached the function after the retry");
        Assert.Equal("UPDATE boom|INSERT after", await ScalarAsync<string>(scenario.Target,
            "SELECT string_agg(op || ' ' || (new_row ->> 'note'), '|' ORDER BY n) FROM app.audit WHERE n > 5"));
    }

    [Fact]
    public async Task PartitionHandler_SendsRowsToTheirMonthsTable_AcrossAMonthBoundary_CreatingItWhenMissing()
    {
        const string table = "CREATE SCHEMA app; CREATE TABLE app.login_log (userid int, login_time timestamp, ip inet);";
        await using var scenario = await ServiceScenario.StartAsync(clusters, "handler_part", 18, 13,
            table + "INSERT INTO app.login_log SELECT g, timestamp '2025-12-01' + g * interval '1 hour', NULL FROM generate_series(1, 10) g;",
            table);
        var wrongColumn = await Assert.ThrowsAsync<ReplicationRefusedException>(() => Add(scenario, "ip", "month"));
        Assert.Contains("the column \"ip\" is inet: the period needs a timestamp", wrongColumn.Message, StringComparison.Ordinal);
        var wrongPeriod = await Assert.ThrowsAsync<ReplicationRefusedException>(() => Add(scenario, "login_time", "week"));
        Assert.Contains("the period 'week' is neither day nor month", wrongPeriod.Message, StringComparison.Ordinal);

        var added = await Add(scenario, "login_time", "month");
        Assert.Empty(added.Key);
        await scenario.WaitOkAsync("app.login_log");
        // A workload of small transactions around midnight of January 31st.
        for (var i = 0; i < 20; i++)
        {
            await ExecuteAsync(scenario.Source,
                $"INSERT INTO app.login_log SELECT {i}, timestamp '2026-01-31 23:59:50' + ({i} * 10 + g) * interval '1 second', '10.0.0.{i}' "
                + "FROM generate_series(0, 9) g");
        }
        const string january = "login_time < '2026-02-01'";
        await Eventually.WaitAsync(() => ScalarAsync<long>(scenario.Target,
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'app' AND tablename IN ('login_log_202601', 'login_log_202602')"),
            n => n == 2, TimeSpan.FromSeconds(90), n => $"{n} of the 2 month tables were created");
        await Eventually.WaitAsync(() => ScalarAsync<long>(scenario.Target,
                "SELECT (SELECT count(*) FROM app.login_log_202601) + (SELECT count(*) FROM app.login_log_202602)"),
            n => n == 200, TimeSpan.FromSeconds(90), n => $"{n} of 200 rows reached the month tables");
        Assert.Equal(await HashAsync(scenario.Source, $"(SELECT * FROM app.login_log WHERE login_time >= '2026-01-01' AND {january}) AS s",
                "userid, login_time, ip", "login_time, userid"),
            await HashAsync(scenario.Target, "app.login_log_202601", "userid, login_time, ip", "login_time, userid"));
        Assert.Equal(await HashAsync(scenario.Source, "(SELECT * FROM app.login_log WHERE login_time >= '2026-02-01') AS s",
                "userid, login_time, ip", "login_time, userid"),
            await HashAsync(scenario.Target, "app.login_log_202602", "userid, login_time, ip", "login_time, userid"));
        Assert.Equal(1L, await ScalarAsync<long>(scenario.Target, "SELECT count(*) FROM app.login_log_202601 WHERE login_time = '2026-01-31 23:59:59'"));
        // The copy filled the target table itself (the history before replication), and nothing more went there.
        Assert.Equal(10L, await ScalarAsync<long>(scenario.Target, "SELECT count(*) FROM app.login_log"));

        await ExecuteAsync(scenario.Source, "DELETE FROM app.login_log WHERE userid = 3");
        var stopped = await scenario.WaitTableAsync("app.login_log", t => t.State == "Error");
        Assert.Contains("had a DELETE on the source", stopped.LastError, StringComparison.Ordinal);
        Assert.Contains("handler 'partition' applies inserts only", stopped.LastError, StringComparison.Ordinal);
    }

    private static Task<TableInfo> Add(ServiceScenario scenario, string function) => scenario.Service.AddTableAsync(Operator,
        scenario.SubscriptionId, new AddTableRequest("app.orders", Handler: "function",
            HandlerOptions: new Dictionary<string, string> { ["function"] = function }), Ct);

    private static Task<TableInfo> Add(ServiceScenario scenario, string column, string period) => scenario.Service.AddTableAsync(Operator,
        scenario.SubscriptionId, new AddTableRequest("app.login_log", Handler: "partition",
            HandlerOptions: new Dictionary<string, string> { ["column"] = column, ["period"] = period }), Ct);
}
