using System.Diagnostics;
using System.Globalization;
using Ferry.Engine.Consumers;
using Ferry.Engine.LocalServer;
using Ferry.Engine.Queue;
using Ferry.Engine.Ticker;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
{
    DataDirectory = Path.Combine(Path.GetTempPath(), $"ferry-bench-reader-{Guid.NewGuid():N}"),
    Installation = PostgresBinaries.Require(15),
    Temporary = true,
    Unsafe = true,
});
await using (var admin = new NpgsqlConnection(cluster.ConnectionString()))
{
    await admin.OpenAsync();
    await new NpgsqlCommand("CREATE DATABASE bench", admin).ExecuteNonQueryAsync();
}
await using var node = NpgsqlDataSource.Create(cluster.ConnectionString("bench"));
await QueueSchema.InstallAsync(node, CancellationToken.None);
var queues = new QueueAdmin(node);
await queues.CreateQueueAsync("bench", CancellationToken.None);
await Execute("CREATE TABLE plain (id int PRIMARY KEY, v int NOT NULL, note text NOT NULL, t timestamptz NOT NULL)");
await Execute("CREATE TABLE captured (id int PRIMARY KEY, v int NOT NULL, note text NOT NULL, t timestamptz NOT NULL)");
await queues.EnableCaptureAsync("bench", "captured", CancellationToken.None);
var consumer = new QueueConsumer(node, "bench", "reader");
await consumer.RegisterAsync(CancellationToken.None);

var insert = $"SELECT g, 0, 'row ' || g, now() FROM generate_series(1, {rows}) g";
var plain = await Timed(() => Execute("INSERT INTO plain " + insert));
var captured = await Timed(() => Execute("INSERT INTO captured " + insert));
Console.WriteLine($"bulk INSERT {rows:N0} rows: {plain:F2}s without capture, {captured:F2}s with ({captured / plain:F2}x)");

var ticker = new TickerLoop(node, "bench", new TickerOptions(), TimeProvider.System, NullLogger<TickerLoop>.Instance);
await queues.ConfigureAsync("bench", new QueueSettings(TickerIdlePeriod: TimeSpan.Zero), CancellationToken.None);
await using (var connection = await node.OpenConnectionAsync())
{
    const int ticks = 2000;
    var tickSeconds = await Timed(async () =>
    {
        for (var i = 0; i < ticks; i++)
        {
            await ticker.TickOnceAsync(connection, CancellationToken.None);
        }
    });
    Console.WriteLine($"ticker: {ticks / tickSeconds:F0} ticks per second (one ferry.ticker call each)");
}

var batch = (await consumer.NextBatchAsync(CancellationToken.None))!;
long events = 0, bytes = 0;
var memoryBefore = GC.GetTotalMemory(true);
long peak = 0;
var readSeconds = await Timed(async () =>
{
    await foreach (var e in consumer.ReadEventsAsync(batch, cancellationToken: CancellationToken.None))
    {
        events++;
        bytes += e.Data?.Length ?? 0;
        if (events % 100_000 == 0)
        {
            peak = Math.Max(peak, GC.GetTotalMemory(false) - memoryBefore);
        }
    }
});
await consumer.FinishBatchAsync(batch, CancellationToken.None);
Console.WriteLine(
    $"batch reader: {events:N0} events ({bytes / 1e6:F0} MB of JSON) in {readSeconds:F2}s = {events / readSeconds:F0} events per second; " +
    $"managed heap growth seen while reading <= {peak / 1e6:F0} MB");

async Task Execute(string sql)
{
    await using var command = node.CreateCommand(sql);
    command.CommandTimeout = 0;
    await command.ExecuteNonQueryAsync();
}

static async Task<double> Timed(Func<Task> action)
{
    var watch = Stopwatch.StartNew();
    await action();
    return watch.Elapsed.TotalSeconds;
}
