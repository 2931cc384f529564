using System.Diagnostics;
using System.Globalization;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Apply;

/// <summary>
/// The benchmark of issue 11: the append handler against the bulk one on the seed's log table rows (explicit: run with
/// <c>--explicit only</c>). The bulk handler needs a key, so its table has one (the event id); the append one has none.
/// Prints events/s of one run and asserts only that both wrote the same rows.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AppendMeasurements(ClusterFixture clusters, ITestOutputHelper output)
{
    [Fact(Explicit = true)]
    public async Task AppendAgainstBulk_OnLoginRecords()
    {
        var ct = TestContext.Current.CancellationToken;
        const int Batches = 4;
        const int EventsPerBatch = 50_000;
        await using var data = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(18, "measure_append"));
        ColumnDefinition[] columns =
        [
            new("id", "bigint", "pg_catalog.int8", true), new("userid", "integer", "pg_catalog.int4", false),
            new("login_time", "timestamp without time zone", "pg_catalog.timestamp", false), new("ip", "inet", "pg_catalog.inet", false),
        ];
        var batches = Enumerable.Range(0, Batches).Select(b => Enumerable.Range(0, EventsPerBatch).Select(i =>
        {
            var id = (long)b * EventsPerBatch + i;
            var json = string.Create(CultureInfo.InvariantCulture,
                $$"""{"id":{{id}},"userid":{{i % 2000}},"login_time":"2026-12-03T10:{{i % 60:00}}:{{i / 60 % 60:00}}","ip":"10.0.{{i % 250}}.1"}""");
            return new ApplyEvent(new QueueEvent(id, 1000, default, EventTypes.Insert, "public.user_login_rec", json, null));
        }).ToList()).ToList();

        var results = new List<(string Name, TimeSpan Time, string Hash)>();
        foreach (var (name, handler, key) in new (string, IHandler, string)[]
        {
            ("bulk", new BulkHandler(), " PRIMARY KEY"), ("append", new AppendHandler(), ""),
        })
        {
            var table = "rec_" + name;
            await ExecuteAsync(data, $"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id bigint{key}, userid int, login_time timestamp, ip inet)");
            var rule = new TableRule("public.user_login_rec", new TableName("public", "user_login_rec"), new TableName("public", table),
                columns, key.Length > 0 ? ["id"] : [], null);
            var clock = Stopwatch.StartNew();
            foreach (var batch in batches)
            {
                await using var connection = await data.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                await handler.ApplyAsync(new HandlerTarget(connection, transaction, new Dictionary<string, TableRule> { ["public.user_login_rec"] = rule }),
                    TestCapture.AsAsync(batch), ct);
                await transaction.CommitAsync(ct);
            }
            clock.Stop();
            await using var reader = await data.OpenConnectionAsync(ct);
            results.Add((name, clock.Elapsed, await TestCapture.HashAsync(reader, table, "id, userid, login_time, ip", "id")));
        }
        foreach (var (name, time, _) in results)
        {
            output.WriteLine($"{name}: {time.TotalSeconds:F2} s, {Batches * EventsPerBatch / time.TotalSeconds:F0} events/s");
        }
        Assert.Single(results.Select(r => r.Hash).Distinct());
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
