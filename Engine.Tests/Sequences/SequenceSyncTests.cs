using Ferry.Engine.Rules;
using Ferry.Engine.Sequences;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Sequences;

[Collection(ClusterCollection.Name)]
public sealed class SequenceSyncTests(ClusterFixture clusters)
{
    [Fact]
    public async Task SyncAsync_MovesTargetForward_AndNeverBackwards()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(13, "seq_src"));
        await using var target = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(18, "seq_tgt"));
        const string Create = """
            CREATE SEQUENCE "se""q";
            CREATE SEQUENCE down INCREMENT -1 MAXVALUE -1 START -1;
            CREATE SEQUENCE fresh;
            """;
        await ExecuteAsync(source, Create);
        await ExecuteAsync(target, Create);
        TableName[] names = [new("public", "se\"q"), new("public", "down"), new("public", "fresh")];
        var pairs = names.Select(n => (n, n)).ToList();

        await ExecuteAsync(source, """SELECT nextval('"se""q"') FROM generate_series(1, 10); SELECT nextval('down') FROM generate_series(1, 5)""");
        Assert.Equal(2, await SequenceSync.SyncAsync(source, target, pairs, ct));
        Assert.Equal("10 True|-5 True|1 False", await PositionsAsync(target));

        // The target went further on its own; the source's older values do not pull it back.
        await ExecuteAsync(target, """SELECT nextval('"se""q"') FROM generate_series(1, 5); SELECT nextval('down') FROM generate_series(1, 5)""");
        await ExecuteAsync(source, """SELECT nextval('"se""q"'); SELECT nextval('down')""");
        Assert.Equal(0, await SequenceSync.SyncAsync(source, target, pairs, ct));
        Assert.Equal("15 True|-10 True|1 False", await PositionsAsync(target));

        // A never-used target sequence moves to a used source one.
        await ExecuteAsync(source, "SELECT nextval('fresh')");
        Assert.Equal(1, await SequenceSync.SyncAsync(source, target, pairs, ct));
        Assert.Equal("15 True|-10 True|1 True", await PositionsAsync(target));
    }

    private static async Task<string> PositionsAsync(NpgsqlDataSource data)
    {
        await using var command = data.CreateCommand("""
            SELECT (SELECT last_value || ' ' || initcap(is_called::text) FROM "se""q") || '|' ||
                   (SELECT last_value || ' ' || initcap(is_called::text) FROM down) || '|' ||
                   (SELECT last_value || ' ' || initcap(is_called::text) FROM fresh)
            """);
        return (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
