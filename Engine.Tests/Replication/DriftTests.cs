using Ferry.Engine.Tests.Support;
using static Ferry.Engine.Tests.Replication.ServiceScenario;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// Schema drift without DDL through the queue (issue 11, docs/decisions/ADR-014-exact-row-encoding.md): a column added,
/// dropped or retyped on the source only stops that table (never another one) with an error naming the column and the fix;
/// capture goes on; after the fix and a retry the rows written in between arrive. With the rule's AddMissingColumns, an added
/// column is added on the target instead.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DriftTests(ClusterFixture clusters)
{
    private const string Orders = "app.orders";
    private const string Other = "app.other";

    private const string Tables = """
        CREATE SCHEMA app;
        CREATE TABLE app.orders (id int PRIMARY KEY, amount numeric(10,2), note text);
        CREATE TABLE app.other (id int PRIMARY KEY, v int);
        """;

    private const string Rows = """
        INSERT INTO app.orders SELECT g, g * 1.5, 'order ' || g FROM generate_series(1, 20) g;
        INSERT INTO app.other SELECT g, g FROM generate_series(1, 20) g;
        """;

    public static TheoryData<int, int> Pairs => new() { { 13, 18 }, { 18, 13 } };

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task ColumnAddedOnTheSourceOnly_StopsOnlyThatTable_AndItsRowsArriveAfterTheFix(int sourceMajor, int targetMajor)
    {
        await using var scenario = await StartAsync("drift_add", sourceMajor, targetMajor);

        await ExecuteAsync(scenario.Source, """
            ALTER TABLE app.orders ADD COLUMN discount int DEFAULT 7;
            INSERT INTO app.orders VALUES (100, 1.25, 'written after the column came', 3);
            UPDATE app.orders SET discount = 9, note = 'changed after the column came' WHERE id = 1;
            DELETE FROM app.orders WHERE id = 2;
            """);
        var stopped = await scenario.WaitTableAsync(Orders, t => t.State == "Error");
        Assert.Contains("\"discount\"", stopped.LastError, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE \"app\".\"orders\" ADD COLUMN \"discount\" integer DEFAULT '7'", stopped.LastError, StringComparison.Ordinal);
        Assert.Contains("retry the table", stopped.LastError, StringComparison.Ordinal);

        // Only that table: the other one keeps replicating.
        await ExecuteAsync(scenario.Source, "UPDATE app.other SET v = v * 10");
        await scenario.WaitEqualAsync(Other, Other, "id, v");
        Assert.Equal("Error", (await scenario.WaitTableAsync(Orders, _ => true)).State);

        // The fix the message gives, then a retry: the rows written in between arrive, and later ones too.
        await ExecuteAsync(scenario.Target, "ALTER TABLE app.orders ADD COLUMN discount int DEFAULT 7");
        await scenario.Service.RetryTableAsync(Operator, scenario.SubscriptionId, stopped.Id, TestContext.Current.CancellationToken);
        await scenario.WaitOkAsync(Orders);
        await ExecuteAsync(scenario.Source, "UPDATE app.orders SET discount = discount + 1 WHERE id = 3");
        await scenario.WaitEqualAsync(Orders, Orders, "id, amount, note, discount");
    }

    [Fact]
    public async Task ColumnDroppedOnTheSourceOnly_StopsThatTable_AndItConvergesAfterTheFix()
    {
        await using var scenario = await StartAsync("drift_drop", 13, 18);

        await ExecuteAsync(scenario.Source, """
            ALTER TABLE app.orders DROP COLUMN note;
            UPDATE app.orders SET amount = amount + 1 WHERE id <= 5;
            """);
        var stopped = await scenario.WaitTableAsync(Orders, t => t.State == "Error");
        Assert.Contains("\"note\"", stopped.LastError, StringComparison.Ordinal);
        Assert.Contains("dropped", stopped.LastError, StringComparison.Ordinal);
        // Nothing was written with a NULL in place of the dropped column.
        Assert.Equal(0L, await ScalarAsync<long>(scenario.Target, "SELECT count(*) FROM app.orders WHERE note IS NULL"));

        await ExecuteAsync(scenario.Target, "ALTER TABLE app.orders DROP COLUMN note");
        await scenario.Service.RetryTableAsync(Operator, scenario.SubscriptionId, stopped.Id, TestContext.Current.CancellationToken);
        await scenario.WaitOkAsync(Orders);
        await scenario.WaitEqualAsync(Orders, Orders, "id, amount");
    }

    [Fact]
    public async Task ColumnTypeChangedOnTheSourceOnly_StopsThatTable_AndNoValueIsRounded()
    {
        await using var scenario = await StartAsync("drift_type", 18, 13);

        await ExecuteAsync(scenario.Source, """
            ALTER TABLE app.orders ALTER COLUMN amount TYPE numeric(12,4);
            UPDATE app.orders SET amount = 1.2345 WHERE id = 1;
            """);
        var stopped = await scenario.WaitTableAsync(Orders, t => t.State == "Error");
        Assert.Contains("\"amount\"", stopped.LastError, StringComparison.Ordinal);
        Assert.Contains("numeric(12,4)", stopped.LastError, StringComparison.Ordinal);
        Assert.Equal(1.50m, await ScalarAsync<decimal>(scenario.Target, "SELECT amount FROM app.orders WHERE id = 1"));

        await ExecuteAsync(scenario.Target, "ALTER TABLE app.orders ALTER COLUMN amount TYPE numeric(12,4)");
        await scenario.Service.RetryTableAsync(Operator, scenario.SubscriptionId, stopped.Id, TestContext.Current.CancellationToken);
        await scenario.WaitOkAsync(Orders);
        await scenario.WaitEqualAsync(Orders, Orders, "id, amount, note");
        Assert.Equal(1.2345m, await ScalarAsync<decimal>(scenario.Target, "SELECT amount FROM app.orders WHERE id = 1"));
    }

    [Fact]
    public async Task ColumnAddedOnTheSource_IsAddedOnTheTarget_WhenTheRuleAddsMissingColumns()
    {
        // Only app.orders's rule says so; app.other's does not.
        await using var scenario = await StartAsync("drift_auto", 13, 18, addMissingColumns: true);
        Assert.True((await scenario.WaitTableAsync(Orders, _ => true)).AddMissingColumns);

        await ExecuteAsync(scenario.Source, """
            ALTER TABLE app.other ADD COLUMN w int;
            UPDATE app.other SET w = 1 WHERE id = 1;
            ALTER TABLE app.orders ADD COLUMN discount int DEFAULT 7, ADD COLUMN tags text[];
            INSERT INTO app.orders VALUES (100, 1.25, 'new', 3, '{a,NULL}');
            UPDATE app.orders SET tags = '{b}' WHERE id = 1;
            """);
        await Eventually.WaitAsync(() => ScalarAsync<long>(scenario.Target,
                "SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.orders'::regclass AND attname IN ('discount', 'tags')"),
            n => n == 2, TimeSpan.FromSeconds(90), n => $"{n} of the 2 columns were added on the target");
        await scenario.WaitEqualAsync(Orders, Orders, "id, amount, note, discount, tags");
        var table = await scenario.WaitOkAsync(Orders);
        Assert.Null(table.LastError);
        Assert.Equal("integer", await ScalarAsync<string>(scenario.Target,
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'app.orders'::regclass AND attname = 'discount'"));

        var other = await scenario.WaitTableAsync(Other, t => t.State == "Error");
        Assert.Contains("\"w\"", other.LastError, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync<long>(scenario.Target,
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.other'::regclass AND attname = 'w'"));
    }

    private async Task<ServiceScenario> StartAsync(string name, int sourceMajor, int targetMajor, bool addMissingColumns = false)
    {
        var scenario = await ServiceScenario.StartAsync(clusters, name, sourceMajor, targetMajor, Tables + Rows, Tables);
        await scenario.AddTableAsync(Orders, addMissingColumns: addMissingColumns);
        await scenario.AddTableAsync(Other);
        await scenario.WaitOkAsync(Orders);
        await scenario.WaitOkAsync(Other);
        await scenario.WaitEqualAsync(Orders, Orders, "id, amount, note");
        return scenario;
    }
}
