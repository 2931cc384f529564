using System.Diagnostics;
using System.Globalization;
using Ferry.Engine.Apply;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Demo;
using Ferry.Engine.LocalServer;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

// The apply side's memory against batch size (issue 14): the engine applies, in this process, (1) one source transaction
// that updates every row of the seed's user_info and (2) a backlog of many such transactions, and reports events/s and this
// process's peak RSS for each. See bench/memory/README.md.
var updateRows = Arg("--update-rows", 1_000_000);
var backlog = Arg("--backlog", 1_000_000);
var perTransaction = Arg("--backlog-transaction", 100_000);
var ct = CancellationToken.None;
var work = Path.Combine(Path.GetTempPath(), "ferry-bench-memory-" + Environment.ProcessId);
Directory.CreateDirectory(work);
File.SetUnixFileMode(work, (UnixFileMode)0b111_101_101);
var settings = new Dictionary<string, string>
{
    ["shared_buffers"] = "'256MB'", ["max_wal_size"] = "'8GB'", ["checkpoint_timeout"] = "'30min'", ["log_min_messages"] = "warning",
};
LocalClusterOptions Make(string name) => new()
{
    DataDirectory = Path.Combine(work, name), Installation = PostgresBinaries.Require(15), Temporary = true, Settings = settings,
};
var users = Math.Max(updateRows, perTransaction);
Console.WriteLine($"update {updateRows:N0} rows in one transaction; backlog {backlog:N0} events in transactions of {perTransaction:N0}; " +
                  $"server GC {System.Runtime.GCSettings.IsServerGC}; {Environment.ProcessorCount} cores");
await using var sourceCluster = await LocalCluster.StartAsync(Make("source"), ct);
await using var targetCluster = await LocalCluster.StartAsync(Make("target"), ct);
var clock = Stopwatch.StartNew();
// No command timeout: seeding millions of users takes minutes.
await SeedScenario.CreateSourceAsync(new NpgsqlConnectionStringBuilder(sourceCluster.ConnectionString()) { CommandTimeout = 0 }.ConnectionString, "digoal_01", "digoal_01", "bench", users, ct);
await SeedScenario.CreateTargetAsync(targetCluster.ConnectionString(), "digoal_01", "digoal_01", "bench", allTables: false, ct);
await using var source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(sourceCluster.ConnectionString("digoal_01"))
{
    Options = "-c synchronous_commit=off", CommandTimeout = 0,
}.ConnectionString);
await using var target = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(targetCluster.ConnectionString("digoal_01"))
{
    CommandTimeout = 0,
}.ConnectionString);
await CopyTableAsync(source, target, "digoal_01.user_info");
Console.WriteLine($"seeded {users:N0} users in {clock.Elapsed.TotalSeconds:F0} s");

await QueueSchema.InstallAsync(source, ct);
var admin = new QueueAdmin(source);
await admin.CreateQueueAsync("mem", ct);
await admin.EnableCaptureAsync("mem", "digoal_01.user_info", ct);
var rule = await TableRuleValidator.ValidateAsync(source, target, new TableRuleRequest(new TableName("digoal_01", "user_info")), ct);
var store = new TargetStateStore(target, "mem");
await store.InstallAsync(ct);
await store.AddTableAsync(rule, ct);
await store.MoveTableAsync(rule.SourceTable, TableState.Copying, cancellationToken: ct);
await using (var connection = await target.OpenConnectionAsync(ct))
await using (var transaction = await connection.BeginTransactionAsync(ct))
{
    await store.MoveTableAsync(connection, transaction, rule.SourceTable, TableState.CatchingUp, cancellationToken: ct);
    await store.MoveTableAsync(connection, transaction, rule.SourceTable, TableState.Ok, cancellationToken: ct);
    await transaction.CommitAsync(ct);
}
var consumer = new QueueConsumer(source, "mem", "mem");
await consumer.RegisterAsync(ct);
await using var feed = new QueueBatchSource(consumer, source);
var loop = new ApplyLoop(feed, target, store, [rule], new BulkHandler(), new ApplyLoopOptions(), TimeProvider.System, NullLogger<ApplyLoop>.Instance);

var lines = new List<string>();
if (updateRows > 0)
{
    clock.Restart();
    await ExecAsync(source, $"UPDATE digoal_01.user_info SET mod_time = now() WHERE userid <= {updateRows}");
    await admin.TickAsync("mem", ct);
    Console.WriteLine($"one UPDATE of {updateRows:N0} rows captured in {clock.Elapsed.TotalSeconds:F0} s");
    lines.Add(await ApplyAsync($"one transaction, UPDATE of {updateRows:N0} rows", updateRows));
}
if (backlog > 0)
{
    clock.Restart();
    var transactions = (backlog + perTransaction - 1) / perTransaction;
    for (var i = 0; i < transactions; i++)
    {
        var from = (long)i * perTransaction % users;
        await ExecAsync(source, $"UPDATE digoal_01.user_info SET mod_time = now() WHERE userid > {from} AND userid <= {from + perTransaction}");
        await admin.TickAsync("mem", ct);
    }
    Console.WriteLine($"backlog of {transactions} transactions ({(long)transactions * perTransaction:N0} events) captured in {clock.Elapsed.TotalSeconds:F0} s");
    lines.Add(await ApplyAsync($"backlog, {transactions} transactions of {perTransaction:N0} rows, one batch each", (long)transactions * perTransaction));
}
var equal = await HashAsync(source) == await HashAsync(target);
Console.WriteLine();
Console.WriteLine("| what | events | seconds | events/s | RSS before (MB) | peak RSS (MB) |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
foreach (var line in lines)
{
    Console.WriteLine(line);
}
Console.WriteLine($"target equals source: {equal}");
return equal ? 0 : 1;

async Task<string> ApplyAsync(string what, long events)
{
    GC.Collect();
    var before = Status("VmRSS:");
    File.WriteAllText("/proc/self/clear_refs", "5");
    var watch = Stopwatch.StartNew();
    var batches = 0;
    while (await loop.RunOnceAsync(ct) != ApplyOutcome.Idle)
    {
        batches++;
    }
    var seconds = watch.Elapsed.TotalSeconds;
    var peak = Status("VmHWM:");
    Console.WriteLine($"{what}: {batches} batches, {loop.EventsApplied:N0} events applied so far, {seconds:F1} s, peak RSS {peak:F0} MB");
    return string.Create(CultureInfo.InvariantCulture,
        $"| {what} | {events:N0} | {seconds:F1} | {events / seconds:N0} | {before:F0} | {peak:F0} |");
}

static double Status(string field) =>
    double.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal))[field.Length..]
        .Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;

static async Task ExecAsync(NpgsqlDataSource data, string sql)
{
    await using var command = data.CreateCommand(sql);
    await command.ExecuteNonQueryAsync();
}

static async Task<string> HashAsync(NpgsqlDataSource data)
{
    await using var command = data.CreateCommand(
        "SELECT count(*) || ':' || sum(hashtext(t::text)::bigint) FROM digoal_01.user_info t");
    return (string)(await command.ExecuteScalarAsync())!;
}

static async Task CopyTableAsync(NpgsqlDataSource from, NpgsqlDataSource to, string table)
{
    await using var sourceConnection = await from.OpenConnectionAsync();
    await using var targetConnection = await to.OpenConnectionAsync();
    await using var reader = await sourceConnection.BeginRawBinaryCopyAsync($"COPY {table} TO STDOUT (FORMAT binary)");
    await using var writer = await targetConnection.BeginRawBinaryCopyAsync($"COPY {table} FROM STDIN (FORMAT binary)");
    await reader.CopyToAsync(writer);
}

static int Arg(string name, int fallback)
{
    var args = Environment.GetCommandLineArgs();
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
