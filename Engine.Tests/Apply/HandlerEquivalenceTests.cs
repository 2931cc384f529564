using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Rules;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Apply;

/// <summary>
/// The bulk handler against the row handler: random event sequences from a real capture on a table with varied types give
/// identical targets, equal to the source's rows inside the filter; with rows in the encoding of queue schema v5 (text rows,
/// docs/decisions/ADR-014-exact-row-encoding.md) and in the one before.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class HandlerEquivalenceTests(ClusterFixture clusters)
{
    private const string TableSql = """
        CREATE TABLE {0} (
            k1 int NOT NULL, "k""2" text NOT NULL, v_int int, v_num numeric(12,3), v_float float8, v_text text, v_ts timestamptz,
            v_date date, v_bytes bytea, v_arr int[], v_json jsonb, v_bool boolean, v_ival interval, v_uuid uuid,
            PRIMARY KEY (k1, "k""2"))
        """;

    private const string OrderBy = """k1, "k""2" """;

    private const string Columns = """k1, "k""2", v_int, v_num, v_float, v_text, v_ts, v_date, v_bytes, v_arr, v_json, v_bool, v_ival, v_uuid""";

    [Theory]
    [InlineData(1, false, 13, false)]
    [InlineData(2, true, 15, false)]
    [InlineData(3, true, 18, false)]
    [InlineData(4, false, 13, true)]
    [InlineData(5, true, 18, true)]
    public async Task BulkHandler_GivesSameTargetAsRowHandler_ForRandomEvents(int seed, bool filtered, int major, bool textRows)
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = await clusters.CreateDatabaseAsync(major, $"handlers_{seed}");
        await using var data = NpgsqlDataSource.Create(connectionString);
        await using var connection = await data.OpenConnectionAsync(ct);
        foreach (var table in new[] { "src", "tgt_row", "tgt_bulk", "tgt_merge", "tgt_chunked" })
        {
            await ExecuteAsync(connection, string.Format(System.Globalization.CultureInfo.InvariantCulture, TableSql, table));
        }
        await TestCapture.InstallAsync(connection, "public", "src", ["k1", "k\"2"], textRows);
        var filter = filtered ? "v_int % 3 <> 0" : null;
        var rowRule = await TableRuleValidator.ValidateAsync(data, data,
            new TableRuleRequest(new TableName("public", "src"), new TableName("public", "tgt_row"), filter), ct);
        var bulkRule = rowRule with { Target = new TableName("public", "tgt_bulk") };
        var mergeRule = rowRule with { Target = new TableName("public", "tgt_merge") };
        // A fold of 3 rows: every batch is written in many chunks, a chunk boundary between most changes of a key.
        var chunkedRule = rowRule with { Target = new TableName("public", "tgt_chunked") };
        var chunked = new BulkHandler(options: new Ferry.Engine.Apply.ApplyOptions { FoldRows = 3 });

        var random = new Random(seed);
        long applied = 0;
        for (var round = 0; round < 12; round++)
        {
            await RandomChangesAsync(connection, random, round);
            var last = await TestCapture.LastIdAsync(connection);
            var filters = filter is null ? null : new Dictionary<string, string> { ["public.src"] = filter };
            var events = await TestCapture.ReadAsync(connection, applied, last, filters);
            applied = last;
            await ApplyAsync(data, new RowHandler(), rowRule, events);
            await ApplyAsync(data, new BulkHandler(), bulkRule, events);
            await ApplyAsync(data, new BulkHandler(BulkApply.Merge), mergeRule, events);
            await ApplyAsync(data, chunked, chunkedRule, events);

            var expected = await TestCapture.HashAsync(connection, "src", Columns, OrderBy, filter);
            var where = filter is null ? "" : " WHERE " + filter;
            await using (var diff = new NpgsqlCommand($"SELECT string_agg(x::text, E'\\n') FROM ((SELECT {Columns} FROM src{where} EXCEPT SELECT {Columns} FROM tgt_row) UNION ALL (SELECT {Columns} FROM tgt_row EXCEPT SELECT {Columns} FROM src{where})) x", connection))
            {
                Assert.Null(await diff.ExecuteScalarAsync(ct) as string);
            }
            Assert.Equal(expected, await TestCapture.HashAsync(connection, "tgt_row", Columns, OrderBy));
            Assert.Equal(expected, await TestCapture.HashAsync(connection, "tgt_bulk", Columns, OrderBy));
            Assert.Equal(expected, await TestCapture.HashAsync(connection, "tgt_merge", Columns, OrderBy));
            Assert.Equal(expected, await TestCapture.HashAsync(connection, "tgt_chunked", Columns, OrderBy));
        }
        Assert.True(applied > 200, $"only {applied} events were generated");
    }

    private static async Task ApplyAsync(NpgsqlDataSource data, IHandler handler, TableRule rule, List<ApplyEvent> events)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connection = await data.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var target = new HandlerTarget(connection, transaction, new Dictionary<string, TableRule> { [rule.SourceTable] = rule });
        var result = await handler.ApplyAsync(target, TestCapture.AsAsync(events), ct);
        Assert.Equal(events.Count, result.Events);
        Assert.True(result.ReplicaRole);
        await transaction.CommitAsync(ct);
    }

    private static async Task RandomChangesAsync(NpgsqlConnection connection, Random random, int round)
    {
        var statements = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var k1 = random.Next(60);
            var k2 = random.Next(2) == 0 ? "a'b" : "ü\"x";
            var key = $"k1 = {k1} AND \"k\"\"2\" = '{k2.Replace("'", "''", StringComparison.Ordinal)}'";
            var roll = random.Next(100);
            if (roll < 45)
            {
                var k2Literal = k2.Replace("'", "''", StringComparison.Ordinal);
                var flag = random.Next(3) == 0 ? "NULL" : random.Next(2) == 0 ? "true" : "false";
                statements.Add($$"""
                    INSERT INTO src VALUES ({{k1}}, '{{k2Literal}}', {{random.Next(1000)}},
                        {{random.Next(100000)}}.{{random.Next(1000)}}, {{random.NextDouble()}}, E'line\nwith \\ and '' and {"j":1}',
                        now() - interval '{{random.Next(10000)}} minutes', DATE '2020-01-01' + {{random.Next(3000)}},
                        '\x{{random.Next():x8}}', ARRAY[{{random.Next(5)}}, NULL, {{random.Next(5)}}], '{"a": [1, "x\"y"], "n": null}',
                        {{flag}}, interval '{{random.Next(100)}} days 3 hours', gen_random_uuid())
                    ON CONFLICT DO NOTHING
                    """);
            }
            else if (roll < 70)
            {
                statements.Add($"UPDATE src SET v_int = {random.Next(1000)}, v_text = v_text || 'x', v_arr = v_arr || {random.Next(9)} WHERE {key}");
            }
            else if (roll < 80)
            {
                // Key change; the offset makes the new key unused.
                statements.Add($"UPDATE src SET k1 = k1 + {1000 * (round + 1) + i}, v_int = {random.Next(1000)} WHERE {key}");
            }
            else if (roll < 97)
            {
                statements.Add($"DELETE FROM src WHERE {key}");
            }
            else if (random.Next(3) == 0)
            {
                statements.Add("TRUNCATE src");
            }
        }
        foreach (var sql in statements)
        {
            await ExecuteAsync(connection, sql);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
