using Ferry.Engine.Apply;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Rules;
using Ferry.Engine.Tests.Apply;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Topology;

/// <summary>
/// Every write path of a merge rule (bulk upsert, bulk MERGE, row handler) applies rows inside its owned rows, deletes only
/// its own on a truncate, and stops at a row outside them, naming it (docs/decisions/ADR-021-merge.md).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OwnedRowsHandlerTests(ClusterFixture clusters)
{
    public static TheoryData<string> Handlers => new("upsert", "merge", "row");

    private static IHandler Handler(string name) => name switch
    {
        "upsert" => new BulkHandler(BulkApply.Upsert),
        "merge" => new BulkHandler(BulkApply.Merge),
        _ => new RowHandler(),
    };

    [Theory]
    [MemberData(nameof(Handlers))]
    public async Task MergeRule_AppliesItsOwnRows_TruncatesOnlyThem_AndStopsAtARowOutside(string handler)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var data = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(15, "owned_rows_" + handler));
        await using var connection = await data.OpenConnectionAsync(ct);
        await ExecuteAsync(connection, "CREATE TABLE a (id int PRIMARY KEY, v int); CREATE TABLE ta (id int PRIMARY KEY, v int);"
            + "INSERT INTO ta SELECT i, 0 FROM generate_series(1001, 1010) i");
        await TestCapture.InstallAsync(connection, "public", "a", ["id"]);
        var rule = await TableRuleValidator.ValidateAsync(data, data,
            new TableRuleRequest(new TableName("public", "a"), new TableName("public", "ta"), OwnedRows: "id <= 1000"), ct);

        // Inside: applied; a truncate removes only the rule's rows (the other source's 1001..1010 stay).
        await ExecuteAsync(connection, """
            INSERT INTO a SELECT i, i FROM generate_series(1, 20) i;
            UPDATE a SET v = -v WHERE id % 2 = 0;
            DELETE FROM a WHERE id > 15;
            """);
        await ApplyAsync(connection, rule, Handler(handler), 0);
        Assert.Equal(await TestCapture.HashAsync(connection, "a", "id, v", "id"),
            await TestCapture.HashAsync(connection, "ta", "id, v", "id", "id <= 1000"));
        var applied = await TestCapture.LastIdAsync(connection);
        await ExecuteAsync(connection, "TRUNCATE a; INSERT INTO a VALUES (7, 7)");
        await ApplyAsync(connection, rule, Handler(handler), applied);
        Assert.Equal("7,1001,1002,1003,1004,1005,1006,1007,1008,1009,1010",
            await ScalarAsync(connection, "SELECT string_agg(id::text, ',' ORDER BY id) FROM ta"));

        // Outside: the batch fails with the row named, and nothing of it stays.
        applied = await TestCapture.LastIdAsync(connection);
        await ExecuteAsync(connection, "INSERT INTO a VALUES (8, 8), (5000, 5000)");
        var refused = await Assert.ThrowsAsync<ApplyException>(() => ApplyAsync(connection, rule, Handler(handler), applied));
        Assert.Contains(OwnedRowsSql.Refusal, refused.Message, StringComparison.Ordinal);
        Assert.Contains("5000", refused.Message, StringComparison.Ordinal);
        Assert.Equal("0", await ScalarAsync(connection, "SELECT count(*)::text FROM ta WHERE id IN (8, 5000)"));
    }

    private static async Task ApplyAsync(NpgsqlConnection connection, TableRule rule, IHandler handler, long after)
    {
        var ct = TestContext.Current.CancellationToken;
        var events = await TestCapture.ReadAsync(connection, after, await TestCapture.LastIdAsync(connection));
        await using var transaction = await connection.BeginTransactionAsync(ct);
        try
        {
            var rules = new Dictionary<string, TableRule> { [rule.SourceTable] = rule };
            await handler.ApplyAsync(new HandlerTarget(connection, transaction, rules), TestCapture.AsAsync(events), ct);
            await transaction.CommitAsync(ct);
        }
        catch
        {
            await transaction.RollbackAsync(ct);
            throw;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<string> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
