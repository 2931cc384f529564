using System.Diagnostics;
using System.Globalization;
using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.LocalServer;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Bench;

/// <summary>
/// Issue 5: one subscription with 1,000 small tables, through the real service layer (<see cref="SetService"/>, <see cref="SubscriptionService"/>, <see cref="TableRuleService"/>) and
/// the real loops (<see cref="SubscriptionRunner"/>, <see cref="SetTickerRunner"/>, run by a <see cref="LoopHost"/> that
/// works like the portal's Hangfire loop workers), against a subscription with 10 tables in the same run:
/// time to add and to reach ok, the status reads of the portal (and rows they read from the control database), the
/// runner at rest (CPU, control and target reads) and under a small workload (lag), and the time a runner takes to start.
/// </summary>
/// <remarks>
/// The control database lives in the benchmark's control cluster (with <c>pg_stat_statements</c>), so its rows and statements
/// can be counted per role: the portal's reads run as role <c>ferry_dashboard</c>, the loops and the service as the superuser.
/// Issue 15's goal rows (adding 1,000 tables, one add at 1,000 tables, the runner's rebuild) are measured in rounds, with
/// the benchmark process's peak resident memory (it runs the service and the loops) beside each.
/// </remarks>
internal sealed class TablesBench(BenchEnv env, Report report)
{
    public const string Name = "1,000 tables (issue 5)";
    private const string Schema = "many";
    private const string SetName = "many";
    private const string DashboardRole = "ferry_dashboard";
    private const string ControlDb = "ferry_control";
    private const int LoopWorkers = 20;
    private static readonly ClaimsPrincipal Operator = new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, "bench"), new Claim(ClaimTypes.Role, FerryRoles.Operator)], "bench"));

    public BenchEnv Env => env;
    public Report Report => report;
    private Options O => env.Options;
    private int Baseline => O.BaselineTables;
    private int Many => O.Tables;
    private int SingleAdds => O.Rounds;

    /// <summary>Issue 15's goal for adding the big subscription's tables: 10 s per 1,000.</summary>
    private double AddGoalSeconds => 10.0 * Many / 1000;

    public async Task RunAsync(CancellationToken ct)
    {
        report.Settings[Name] = "PostgreSQL's defaults on source, targets and the control database (every add and state change " +
                                "commits durably, as in production).";
        Step($"creating {Many:N0} tables on the source and the targets");
        var sourceCs = await CreateDatabaseAsync(env.Source, "tables_src", ct);
        var fewCs = await CreateDatabaseAsync(env.Target, "tables_few", ct);
        var manyCs = await CreateDatabaseAsync(env.Target, "tables_many", ct);
        // The source and the big target get a few more tables than the big subscription: one add each at that size (goal rows).
        await CreateTablesAsync(sourceCs, Many + SingleAdds, rows: 3, ct);
        await CreateTablesAsync(fewCs, Baseline, rows: 0, ct);
        await CreateTablesAsync(manyCs, Many + SingleAdds, rows: 0, ct);
        await Db.ExecAsync(sourceCs, "ANALYZE", ct);

        var controlCs = Db.With(env.Control.ConnectionString(ControlDb));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Control"] = controlCs,
        }).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(logging => logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Warning))
            .AddFerryEngine(configuration);
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        LoopHost? loops = null;
        services.AddSingleton<IReplicationLoopStarter>(_ => loops!);
        await using var provider = services.BuildServiceProvider();
        var lockWait = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ReplicationOptions>>().Value.LockWait;
        loops = new LoopHost(provider, LoopWorkers, lockWait);
        try
        {
            await provider.GetRequiredService<ControlDatabaseInitializer>().InitializeAsync(ct);
            await Db.ExecEachAsync(controlCs, ct,
                "CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
                $"CREATE ROLE {DashboardRole} LOGIN",
                $"GRANT USAGE ON SCHEMA ferry TO {DashboardRole}",
                $"GRANT SELECT ON ALL TABLES IN SCHEMA ferry TO {DashboardRole}");
            var run = new Run(this, provider, loops, controlCs, sourceCs, fewCs, manyCs);
            await run.ExecuteAsync(ct);
        }
        finally
        {
            await loops.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
        }
    }

    private static void Step(string what) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}]   {what}");

    private static async Task<string> CreateDatabaseAsync(LocalCluster cluster, string name, CancellationToken ct)
    {
        await Db.ExecEachAsync(Db.With(cluster.ConnectionString()), ct, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)", $"CREATE DATABASE {name}");
        return Db.With(cluster.ConnectionString(name));
    }

    /// <summary>Tables <c>many.t0001</c>... (key id, a counter hits, a text v), 100 per transaction (lock table size).</summary>
    private static async Task CreateTablesAsync(string cs, int count, int rows, CancellationToken ct)
    {
        await Db.ExecAsync(cs, $"CREATE SCHEMA IF NOT EXISTS {Schema}", ct);
        for (var from = 1; from <= count; from += 100)
        {
            var to = Math.Min(count, from + 99);
            await Db.ExecAsync(cs, $$"""
                DO $$
                BEGIN
                    FOR i IN {{from}}..{{to}} LOOP
                        EXECUTE format('CREATE TABLE {{Schema}}.%I (id int PRIMARY KEY, hits int NOT NULL DEFAULT 0, v text)', 't' || lpad(i::text, 4, '0'));
                        IF {{rows}} > 0 THEN
                            EXECUTE format('INSERT INTO {{Schema}}.%I SELECT g, 0, md5(g::text) FROM generate_series(1, {{rows}}) g', 't' || lpad(i::text, 4, '0'));
                        END IF;
                    END LOOP;
                END $$
                """, ct);
        }
    }

    private static string TableName(int i) => $"{Schema}.t{i.ToString("D4", CultureInfo.InvariantCulture)}";

    /// <summary>Median of a list (NaN when empty).</summary>
    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToList();
        var rank = p * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }

    /// <summary>One run: the set, the two subscriptions, the figures.</summary>
    private sealed class Run(
        TablesBench bench, ServiceProvider services, LoopHost loops, string controlCs, string sourceCs, string fewCs, string manyCs)
    {
        private readonly SetService _sets = services.GetRequiredService<SetService>();
        private readonly SubscriptionService _subscriptions = services.GetRequiredService<SubscriptionService>();
        private readonly TableRuleService _tableRules = services.GetRequiredService<TableRuleService>();
        private readonly string _dashboardCs = new NpgsqlConnectionStringBuilder(controlCs) { Username = DashboardRole, Password = null }.ConnectionString;
        private ReplicationStatusQuery? _dashboard;
        private int _few;
        private int _many;

        private Report Report => bench.Report;
        private Options O => bench.O;

        /// <summary>The status query as the portal runs it, on its own role (so its statements count apart).</summary>
        private ReplicationStatusQuery Dashboard => _dashboard ??= new ReplicationStatusQuery(
            new ControlContexts(_dashboardCs), services.GetRequiredService<NodeDataSources>());

        public async Task ExecuteAsync(CancellationToken ct)
        {
            var sourceNode = await AddNodeAsync("source", sourceCs, ct);
            var fewNode = await AddNodeAsync("target-few", fewCs, ct);
            var manyNode = await AddNodeAsync("target-many", manyCs, ct);
            var set = await _sets.CreateSetAsync(Operator, SetName, sourceNode, ct);
            _few = (await _subscriptions.SubscribeAsync(Operator, set.Id, fewNode, ct)).Id;
            _many = (await _subscriptions.SubscribeAsync(Operator, set.Id, manyNode, ct)).Id;
            await using var notifications = await NotificationCounter.StartAsync(controlCs, ct);

            // Baseline: 10 tables.
            Step($"adding {bench.Baseline} tables to the baseline subscription");
            var (fewAdd, fewAdds) = await AddTablesAsync(_few, 1, bench.Baseline, ct);
            var fewOk = fewAdd + await WaitOkAsync(_few, bench.Baseline, ct);
            var baselineReads = await MeasureReadsAsync("baseline", both: false, ct);

            // 1,000 tables (round 1 of the goal row "adding 1,000 tables").
            Step($"adding {bench.Many:N0} tables to one subscription through TableRuleService ({AddHow})");
            loops.ResetCounters();
            var notified = notifications.Count;
            var rss = new RssProbe(Environment.ProcessId);
            var addWindow = rss.Start();
            var (manyAdd, manyAdds) = await AddTablesAsync(_many, 1, bench.Many, ct);
            await addWindow.StopAsync();
            Step($"waiting for {bench.Many:N0} tables to reach ok");
            var okWindow = rss.Start();
            var manyOkAfterAdd = await WaitOkAsync(_many, bench.Many, ct);
            await okWindow.StopAsync();
            var manyOk = manyAdd + manyOkAfterAdd;
            var phaseNotifications = notifications.Count - notified;
            var jobs = loops.Jobs;
            var (shortJobs, shortSeconds) = loops.ShortJobs;
            var (backlog, backlogWait) = loops.Backlog;
            var addRounds = new List<double> { manyAdd };
            var okRounds = new List<double> { manyOk };
            var addRss = new List<double> { Math.Max(addWindow.PeakMb, okWindow.PeakMb) };
            await MoreAddRoundsAsync(set.Id, addRounds, okRounds, addRss, rss, ct);
            var singles = await SingleAddsAsync(rss, ct);
            await RebuildRoundsAsync(rss, ct);
            var reads = await MeasureReadsAsync("1,000 tables", both: true, ct);
            var rootRead = await RootLagReadAsync(ct);

            var b = $"{bench.Baseline} tables";
            var m = $"{bench.Many:N0} tables";
            var how = $"add every table ({AddHow})";
            Report.Add(new Figure(Name, b, how, fewAdd, "s",
                Note: fewAdds.Count > 0 ? $"median {Median(fewAdds):0} ms per table" : null));
            Report.Add(new Figure(Name, m, how, Series.Of(addRounds), "s",
                Series.Of(addRounds.Select(a => a / bench.Many / (fewAdd / bench.Baseline))), "baseline, per table",
                (manyAdds.Count > 0
                    ? $"round 1: median {Median(manyAdds):0} ms per table; first 50: {Median(manyAdds[..Math.Min(50, manyAdds.Count)]):0} ms, " +
                      $"last 50: {Median(manyAdds[^Math.Min(50, manyAdds.Count)..]):0} ms"
                    : "one call") + RoundsNote(addRounds.Count), Series.Of(addRss)));
            Report.Goal(new Goal($"adding {bench.Many:N0} tables (every add, total)", $"≤ {bench.AddGoalSeconds:0.#} s", Series.Of(addRounds), "s",
                SmallerIsBetter: true, bench.AddGoalSeconds, Series.Of(addRss),
                (FerryPlugs.AddTablesMethod is null
                    ? "closest equivalent: TableRuleService has no call that adds a list of tables yet (goal: one call, API and " +
                      "the picker's multi-select), so this is one AddTableAsync per table, in the benchmark's process, no HTTP"
                    : "one call of TableRuleService.AddTablesAsync, in the benchmark's process, no HTTP") + RoundsNote(addRounds.Count))
            { Key = "add" });
            Report.Add(new Figure(Name, b, "from the first add to every table ok (control database)", fewOk, "s"));
            Report.Add(new Figure(Name, m, "from the first add to every table ok (control database)", Series.Of(okRounds), "s",
                Series.Of(okRounds.Select(o => o / bench.Many / (fewOk / bench.Baseline))), "baseline, per table",
                $"round 1: {manyOkAfterAdd:0.0} s after the last add", Series.Of(addRss)));
            Report.Add(new Figure(Name, m, "one more table added (AddTableAsync) to the subscription", Series.Of(singles.Ms), "ms",
                Note: "one per round, each a table the subscription did not have", PeakRssMb: Series.Of(singles.Rss)));
            Report.Goal(new Goal($"one add at {bench.Many:N0} tables", "≤ 50 ms", Series.Of(singles.Ms), "ms", SmallerIsBetter: true, 50,
                Series.Of(singles.Rss), "TableRuleService.AddTableAsync in the benchmark's process (no HTTP)") { Key = "add1" });
            Report.Add(new Figure(Name, m, "apply-loop jobs started while adding (round 1)", jobs, "jobs",
                Note: $"{shortJobs} ended after waiting for the lock ({shortSeconds:0} worker-seconds of {LoopWorkers} loop workers); " +
                      $"longest queue {backlog}, longest wait for a worker {backlogWait:0.0} s"));
            Report.Add(new Figure(Name, m, "change notifications (NOTIFY ferry_replication) while adding and copying (round 1)", phaseNotifications, "",
                Note: $"{phaseNotifications / manyOk:0.0} per second: each one makes every open dashboard and Tables page read again"));

            // Reads of every subscription: before (baseline) and after the 1,000 tables; of one subscription: both at the end.
            foreach (var metric in baselineReads.Select(r => r.Metric).Concat(reads.Select(r => r.Metric)).Distinct())
            {
                var baseline = reads.Concat(baselineReads).First(r => r.Metric == metric && r.Variant == "baseline");
                var big = reads.First(r => r.Metric == metric && r.Variant == "1,000 tables");
                Report.Add(new Figure(Name, b, metric, baseline.Value, baseline.Unit));
                Report.Add(new Figure(Name, m, metric, big.Value, big.Unit, baseline.Value > 0 ? big.Value / baseline.Value : null,
                    baseline.Value > 0 ? "baseline" : null));
            }
            Report.Add(new Figure(Name, "root", "the root's consumer lags on a new data source (every status read before 2026-11-29)",
                rootRead.Fresh, "ms", rootRead.Fresh / rootRead.Pooled, "a pooled connection",
                $"{rootRead.Pooled:0.0} ms on a pooled connection (the status query keeps one data source per root now)"));

            await RuntimeAsync(ct);
            if (loops.Failures.Count > 0)
            {
                Report.Note($"{Name}: loop jobs failed: {string.Join("; ", loops.Failures.Select(e => e.Message).Distinct().Take(3))}");
            }
        }

        private async Task<int> AddNodeAsync(string name, string cs, CancellationToken ct)
        {
            var parts = new NpgsqlConnectionStringBuilder(cs);
            var node = new Node
            {
                Name = name,
                Host = parts.Host!,
                Port = parts.Port,
                Database = parts.Database!,
                UserName = parts.Username!,
                ProtectedPassword = services.GetRequiredService<NodePasswordProtector>().Protect(parts.Password),
                SslMode = SslMode.Disable,
            };
            await using var context = await services.GetRequiredService<IDbContextFactory<ControlDbContext>>().CreateDbContextAsync(ct);
            context.Nodes.Add(node);
            await context.SaveChangesAsync(ct);
            return node.Id;
        }

        /// <summary>How the tables are added: one call for the list once the service has one, else one call per table.</summary>
        private static string AddHow => FerryPlugs.AddTablesMethod is null
            ? "TableRuleService.AddTableAsync, one by one"
            : "TableRuleService.AddTablesAsync, one call";

        /// <summary>Adds tables <paramref name="first"/>.. of the schema; returns the seconds and, one by one, each add's milliseconds.</summary>
        private async Task<(double Seconds, List<double> PerTableMs)> AddTablesAsync(int subscription, int first, int count, CancellationToken ct)
        {
            var each = new List<double>(count);
            var watch = Stopwatch.StartNew();
            if (FerryPlugs.AddTablesMethod is not null)
            {
                await FerryPlugs.AddTablesAsync(_tableRules, Operator, subscription,
                    [.. Enumerable.Range(first, count).Select(i => new AddTableRequest(TableName(i)))], ct);
                return (watch.Elapsed.TotalSeconds, each);
            }
            for (var i = first; i < first + count; i++)
            {
                var started = watch.Elapsed;
                await _tableRules.AddTableAsync(Operator, subscription, new AddTableRequest(TableName(i)), ct);
                each.Add((watch.Elapsed - started).TotalMilliseconds);
                if (each.Count % 100 == 0)
                {
                    Step($"  {each.Count} added, {watch.Elapsed.TotalSeconds:0} s, last one {each[^1]:0} ms");
                }
            }
            return (watch.Elapsed.TotalSeconds, each);
        }

        private string RoundsNote(int rounds) => rounds < O.Rounds
            ? $"; {rounds} of {O.Rounds} rounds: round 1 missed the goal by more than 5x, so the others were left out to keep the " +
              "run's time (the worst round misses either way; --all-rounds runs them)"
            : "";

        /// <summary>
        /// Rounds 2.. of "adding 1,000 tables": each a new subscription of the set to a new target database, its tables added
        /// and copied, then the subscription dropped (so the later figures see the same two subscriptions as round 1 left).
        /// Left out when round 1 took more than 5x the goal, unless --all-rounds.
        /// </summary>
        private async Task MoreAddRoundsAsync(
            int setId, List<double> addRounds, List<double> okRounds, List<double> addRss, RssProbe rss, CancellationToken ct)
        {
            if (!O.AllRounds && addRounds[0] > 5 * bench.AddGoalSeconds)
            {
                Step($"round 1 took {addRounds[0]:0} s, more than 5x the goal of {bench.AddGoalSeconds:0.#} s: later rounds left out");
                return;
            }
            for (var round = 2; round <= O.Rounds; round++)
            {
                Step($"round {round}: adding {bench.Many:N0} tables to a new subscription");
                var cs = await CreateDatabaseAsync(bench.Env.Target, $"tables_many{round}", ct);
                await CreateTablesAsync(cs, bench.Many, rows: 0, ct);
                var node = await AddNodeAsync($"target-many{round}", cs, ct);
                var subscription = (await _subscriptions.SubscribeAsync(Operator, setId, node, ct)).Id;
                var window = rss.Start();
                var (seconds, _) = await AddTablesAsync(subscription, 1, bench.Many, ct);
                var ok = await WaitOkAsync(subscription, bench.Many, ct);
                await window.StopAsync();
                addRounds.Add(seconds);
                okRounds.Add(seconds + ok);
                addRss.Add(window.PeakMb);
                await _subscriptions.DropSubscriptionAsync(Operator, subscription, ct);
                await WaitStoppedAsync(subscription, ct);
            }
        }

        /// <summary>One more table added at a time to the big subscription (one per round), then copied.</summary>
        private async Task<(List<double> Ms, List<double> Rss)> SingleAddsAsync(RssProbe rss, CancellationToken ct)
        {
            var ms = new List<double>();
            var peaks = new List<double>();
            for (var i = 1; i <= bench.SingleAdds; i++)
            {
                var window = rss.Start();
                var watch = Stopwatch.StartNew();
                await _tableRules.AddTableAsync(Operator, _many, new AddTableRequest(TableName(bench.Many + i)), ct);
                ms.Add(watch.Elapsed.TotalMilliseconds);
                await window.StopAsync();
                peaks.Add(window.PeakMb);
            }
            await WaitOkAsync(_many, bench.Many + bench.SingleAdds, ct);
            return (ms, peaks);
        }

        /// <summary>
        /// Rounds of the big subscription's runner start: paused, a row written, resumed; timed until the row is on the target.
        /// The start loads and validates every rule as a rebuild does, so it is the closest measure of the rebuild.
        /// </summary>
        private async Task RebuildRoundsAsync(RssProbe rss, CancellationToken ct)
        {
            var seconds = new List<double>();
            var peaks = new List<double>();
            for (var round = 0; round < O.Rounds; round++)
            {
                await _subscriptions.PauseAsync(Operator, _many, ct);
                await WaitStoppedAsync(_many, ct);
                var marker = await Db.ScalarAsync<int>(sourceCs, $"UPDATE {TableName(1)} SET hits = hits + 1 WHERE id = 1 RETURNING hits", ct);
                var window = rss.Start();
                var watch = Stopwatch.StartNew();
                await _subscriptions.ResumeAsync(Operator, _many, ct);
                await Db.WaitAsync("the resumed runner to apply", async () =>
                    await Db.ScalarAsync<int>(manyCs, $"SELECT hits FROM {TableName(1)} WHERE id = 1", ct) >= marker,
                    TimeSpan.FromMinutes(10), ct, pollMs: 10);
                seconds.Add(watch.Elapsed.TotalSeconds);
                await window.StopAsync();
                peaks.Add(window.PeakMb);
            }
            var m = $"{bench.Many + bench.SingleAdds:N0} tables";
            Report.Add(new Figure(Name, m, "runner start after a pause: ResumeAsync until a row written while paused is on the target",
                Series.Of(seconds), "s", Note: "the runner loads and validates every rule, as on a rebuild", PeakRssMb: Series.Of(peaks)));
            Report.Goal(new Goal($"a runner with {bench.Many:N0} tables: rebuild", "≤ 0.5 s", Series.Of(seconds), "s", SmallerIsBetter: true, 0.5,
                Series.Of(peaks), "closest equivalent: the runner's start after a pause (resume until a row written while paused is " +
                                  "applied), which loads and validates every rule like a rebuild, plus the loop job's start") { Key = "rebuild" });
        }

        /// <summary>Seconds until every table of the subscription is ok in the control database (what the portal shows).</summary>
        private async Task<double> WaitOkAsync(int subscription, int count, CancellationToken ct)
        {
            var watch = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            await using var c = new NpgsqlConnection(controlCs);
            await c.OpenAsync(ct);
            while (true)
            {
                await using var command = new NpgsqlCommand(
                    "SELECT count(*) FILTER (WHERE state = 'Ok'), count(*) FILTER (WHERE state = 'Error'), min(last_error) " +
                    "FROM ferry.table_rules WHERE subscription_id = $1", c);
                command.Parameters.Add(new NpgsqlParameter { Value = subscription });
                await using (var reader = await command.ExecuteReaderAsync(ct))
                {
                    await reader.ReadAsync(ct);
                    var ok = reader.GetInt64(0);
                    if (reader.GetInt64(1) > 0)
                    {
                        throw new BenchException($"{reader.GetInt64(1)} table(s) in error: {reader.GetString(2)}");
                    }
                    if (ok == count)
                    {
                        return watch.Elapsed.TotalSeconds;
                    }
                    if (watch.Elapsed - lastReport > TimeSpan.FromSeconds(15))
                    {
                        lastReport = watch.Elapsed;
                        Step($"  {ok} of {count} ok after {watch.Elapsed.TotalSeconds:0} s");
                    }
                }
                if (watch.Elapsed > TimeSpan.FromMinutes(20))
                {
                    throw new BenchException($"Not every table reached ok within 20 minutes (subscription {subscription}).");
                }
                await Task.Delay(100, ct);
            }
        }

        /// <summary>
        /// The portal's reads, with both subscriptions paused (no runner competes for the CPU): per read the wall time
        /// (median), the benchmark process's CPU per call, and the control database's rows and statements per call
        /// (pg_stat_statements, role ferry_dashboard). Reads of one subscription run for the baseline and the big one in
        /// alternating blocks; reads of every subscription before and after the 1,000 tables are added.
        /// </summary>
        private async Task<List<(string Metric, string Variant, double Value, string Unit)>> MeasureReadsAsync(
            string label, bool both, CancellationToken ct)
        {
            Step($"timing the status reads ({label})");
            await _subscriptions.PauseAsync(Operator, _few, ct);
            await _subscriptions.PauseAsync(Operator, _many, ct);
            await WaitStoppedAsync(_few, ct);
            await WaitStoppedAsync(_many, ct);
            GC.Collect();
            var figures = new List<(string, string, double, string)>();
            var all = both ? "1,000 tables" : "baseline";
            await TimeAsync(figures, "dashboard, every subscription: full read (GetStatusAsync)", [(all, () => Dashboard.GetStatusAsync(Operator, ct))], ct);
            await TimeAsync(figures, "dashboard, every subscription: summaries (GetSummariesAsync)", [(all, () => Dashboard.GetSummariesAsync(Operator, ct))], ct);
            var subscriptions = both ? new[] { ("baseline", _few), ("1,000 tables", _many) } : [("baseline", _few)];
            await TimeAsync(figures, "Tables page: full read of one subscription (GetSubscriptionAsync)",
                [.. subscriptions.Select(v => (v.Item1, (Func<Task>)(() => Dashboard.GetSubscriptionAsync(Operator, v.Item2, ct))))], ct);
            await TimeAsync(figures, "Tables page: summary and first page of 25 (GetSummaryAsync + GetTablesPageAsync)",
                [.. subscriptions.Select(v => (v.Item1, (Func<Task>)(async () =>
                {
                    await Dashboard.GetSummaryAsync(Operator, v.Item2, ct);
                    await Dashboard.GetTablesPageAsync(Operator, v.Item2, new TableQuery(0, 25), ct);
                })))], ct);
            await TimeAsync(figures, "Tables page: a searched, filtered and sorted page (GetTablesPageAsync)",
                [.. subscriptions.Select(v => (v.Item1, (Func<Task>)(() => Dashboard.GetTablesPageAsync(Operator, v.Item2,
                    new TableQuery(0, 25, "t000", [new TableFilter(TableColumn.State, TextMatch.Is, "ok")],
                        [new TableSort(TableColumn.RowsCopied, true), new TableSort(TableColumn.Source, true)]), ct))))], ct);
            await _subscriptions.ResumeAsync(Operator, _few, ct);
            await _subscriptions.ResumeAsync(Operator, _many, ct);
            return figures;
        }

        /// <summary>Each variant: 3 warm-up calls, then two blocks of 15 calls (quick: 4), the variants' blocks alternating.</summary>
        private async Task TimeAsync(
            List<(string, string, double, string)> figures, string what, (string Variant, Func<Task> Read)[] variants, CancellationToken ct)
        {
            const int blocks = 2;
            var calls = O.Quick ? 4 : 15; // quick: the smoke run checks the reads, it does not time them
            var stats = variants.Select(_ => (Times: new List<double>(), Cpu: 0.0, Rows: 0L, Statements: 0L)).ToArray();
            foreach (var (_, read) in variants)
            {
                for (var i = 0; i < 3; i++)
                {
                    await read();
                }
            }
            for (var block = 0; block < blocks; block++)
            {
                for (var v = 0; v < variants.Length; v++)
                {
                    var before = await StatementsAsync(ct);
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    for (var i = 0; i < calls; i++)
                    {
                        var watch = Stopwatch.StartNew();
                        await variants[v].Read();
                        stats[v].Times.Add(watch.Elapsed.TotalMilliseconds);
                    }
                    stats[v].Cpu += (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
                    var after = await StatementsAsync(ct);
                    stats[v].Rows += after.Rows - before.Rows;
                    stats[v].Statements += after.Calls - before.Calls;
                }
            }
            var n = blocks * calls;
            for (var v = 0; v < variants.Length; v++)
            {
                figures.Add(($"{what}: time (median of {n})", variants[v].Variant, Median(stats[v].Times), "ms"));
                figures.Add(($"{what}: CPU of the portal side per call", variants[v].Variant, stats[v].Cpu / n, "ms"));
                figures.Add(($"{what}: control DB rows read per call", variants[v].Variant, stats[v].Rows / (double)n, "rows"));
                figures.Add(($"{what}: control DB statements per call", variants[v].Variant, stats[v].Statements / (double)n, ""));
            }
        }

        /// <summary>The root's lag read as the status query does it (a new data source per read) and on a pooled connection.</summary>
        private async Task<(double Fresh, double Pooled)> RootLagReadAsync(CancellationToken ct)
        {
            var fresh = new List<double>();
            var pooled = new List<double>();
            await using var warm = NpgsqlDataSource.Create(sourceCs);
            await new Ferry.Engine.Queue.QueueAdmin(warm).GetConsumerLagsAsync(SetName, ct);
            for (var i = 0; i < 20; i++)
            {
                var watch = Stopwatch.StartNew();
                await using (var source = NpgsqlDataSource.Create(sourceCs))
                {
                    await new Ferry.Engine.Queue.QueueAdmin(source).GetConsumerLagsAsync(SetName, ct);
                }
                fresh.Add(watch.Elapsed.TotalMilliseconds);
                watch.Restart();
                await new Ferry.Engine.Queue.QueueAdmin(warm).GetConsumerLagsAsync(SetName, ct);
                pooled.Add(watch.Elapsed.TotalMilliseconds);
            }
            return (Median(fresh), Median(pooled));
        }

        private async Task<(long Calls, long Rows)> StatementsAsync(CancellationToken ct)
        {
            await using var c = new NpgsqlConnection(controlCs);
            await c.OpenAsync(ct);
            await using var command = new NpgsqlCommand(
                $"SELECT coalesce(sum(calls), 0)::bigint, coalesce(sum(rows), 0)::bigint FROM pg_stat_statements WHERE userid = '{DashboardRole}'::regrole " +
                $"AND dbid = (SELECT oid FROM pg_database WHERE datname = '{ControlDb}')", c);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return (reader.GetInt64(0), reader.GetInt64(1));
        }

        /// <summary>
        /// Each subscription alone (the other paused): the start of its runner after a pause (resume → first row applied), its
        /// cost at rest, and its lag under a small workload (a few tables).
        /// </summary>
        private async Task RuntimeAsync(CancellationToken ct)
        {
            var results = new Dictionary<int, List<(string Metric, double Value, string Unit, string? Note)>>();
            // Both start paused; each is resumed (timed), measured, and paused again.
            await _subscriptions.PauseAsync(Operator, _many, ct);
            await _subscriptions.PauseAsync(Operator, _few, ct);
            await WaitStoppedAsync(_many, ct);
            await WaitStoppedAsync(_few, ct);
            foreach (var (subscription, target, label) in new[] { (_few, fewCs, "baseline"), (_many, manyCs, "1,000 tables") })
            {
                Step($"runner at rest and under load ({label})");
                var list = results[subscription] = [];
                // Start: a row written while paused; timed from ResumeAsync until the target has it.
                var marker = await Db.ScalarAsync<int>(sourceCs, $"UPDATE {TableName(1)} SET hits = hits + 1 WHERE id = 1 RETURNING hits", ct);
                var watch = Stopwatch.StartNew();
                await _subscriptions.ResumeAsync(Operator, subscription, ct);
                await Db.WaitAsync("the resumed runner to apply", async () =>
                    await Db.ScalarAsync<int>(target, $"SELECT hits FROM {TableName(1)} WHERE id = 1", ct) >= marker,
                    TimeSpan.FromMinutes(10), ct, pollMs: 20);
                list.Add(("runner start: ResumeAsync until a row written while paused is on the target", watch.Elapsed.TotalSeconds, "s", null));
                // Let the first control polls pass, and the collector and tiered JIT settle, before anything is measured.
                GC.Collect();
                await Task.Delay(TimeSpan.FromSeconds(O.Quick ? 1 : 5), ct);

                var idle = await IdleAsync(target, TimeSpan.FromSeconds(O.Quick ? 3 : 15), ct);
                list.AddRange(idle);
                var (median, p95, missing) = await LagAsync(target, ct);
                list.Add(($"lag median, {O.LagRate} transactions/s on 3 tables for {(O.Quick ? 4 : 30)} s", median, "s",
                    missing > 0 ? $"{missing} commits not seen" : null));
                list.Add(("lag 95th percentile", p95, "s", null));
                await _subscriptions.PauseAsync(Operator, subscription, ct);
                await WaitStoppedAsync(subscription, ct);
            }
            await _subscriptions.ResumeAsync(Operator, _few, ct);
            await _subscriptions.ResumeAsync(Operator, _many, ct);
            var b = $"{bench.Baseline} tables";
            var m = $"{bench.Many:N0} tables";
            foreach (var (f, n) in results[_few].Zip(results[_many]))
            {
                Report.Add(new Figure(Name, b, f.Metric, f.Value, f.Unit, Note: f.Note));
                Report.Add(new Figure(Name, m, n.Metric, n.Value, n.Unit, f.Value > 0 ? n.Value / f.Value : null, f.Value > 0 ? "baseline" : null, n.Note));
                if (n.Metric.StartsWith("at rest: control DB rows read", StringComparison.Ordinal) && f.Value > 0)
                {
                    Report.Goal(new Goal($"a runner with {bench.Many:N0} tables: control rows read per second at rest, against {bench.Baseline} tables",
                        "≤ 2x (reads only what changed)", Series.Of(n.Value / f.Value), "x", SmallerIsBetter: true, 2,
                        Note: "the harness's reading of \"reads only what changed\": nothing changes at rest, so the loops should read " +
                              "about as little at 1,000 tables as at 10; one window at rest per subscription") { Key = "reads" });
                }
            }
            Report.Note($"{Name}: runner figures were taken with the other subscription paused (only one apply loop, the set's ticker and " +
                        "nothing else running); CPU is process time over wall time (1.0 = one core busy) of the benchmark process (loops, " +
                        "Npgsql, EF Core) and of each cluster's server processes. The control database is a third cluster with " +
                        "pg_stat_statements; the portal's reads run as role ferry_dashboard, loops and service as the superuser.");
        }

        private async Task WaitStoppedAsync(int subscription, CancellationToken ct) =>
            await Db.WaitAsync($"the runner of subscription {subscription} to stop", async () =>
                await Db.ScalarAsync<bool>(controlCs,
                    "SELECT NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 1718772080::int::oid " +
                    $"AND objid = {subscription}::int::oid AND objsubid = 2 AND granted)", ct),
                TimeSpan.FromMinutes(2), ct, pollMs: 100);

        /// <summary>CPU of the benchmark process and of each cluster, and the reads of control and target databases, at rest.</summary>
        private async Task<List<(string, double, string, string?)>> IdleAsync(string target, TimeSpan window, CancellationToken ct)
        {
            var clusters = new[] { ("source cluster", bench.Env.Source.DataDirectory), ("target cluster", bench.Env.Target.DataDirectory),
                ("control cluster", Path.Combine(bench.Env.WorkDirectory, "control")) };
            var cpu0 = clusters.Select(c => ClusterCpu.Seconds(c.Item2)).ToList();
            var self0 = Process.GetCurrentProcess().TotalProcessorTime;
            var control0 = await ControlStatementsAsync(ct);
            var target0 = await TableStateReadsAsync(target, ct);
            var watch = Stopwatch.StartNew();
            await Task.Delay(window, ct);
            var wall = watch.Elapsed.TotalSeconds;
            var self = (Process.GetCurrentProcess().TotalProcessorTime - self0).TotalSeconds / wall;
            var list = new List<(string, double, string, string?)>
            {
                ($"at rest for {window.TotalSeconds:0} s: CPU of the benchmark process (runner, ticker)", self, "cores", null),
            };
            for (var i = 0; i < clusters.Length; i++)
            {
                list.Add(($"at rest: CPU of the {clusters[i].Item1}", (ClusterCpu.Seconds(clusters[i].Item2) - cpu0[i]) / wall, "cores", null));
            }
            var control = await ControlStatementsAsync(ct);
            var targetReads = await TableStateReadsAsync(target, ct);
            list.Add(("at rest: control DB rows read by loops and service per second", (control.Rows - control0.Rows) / wall, "rows/s",
                $"{(control.Calls - control0.Calls) / wall:0.0} statements/s"));
            list.Add(("at rest: target ferry.table_state rows read per second", (targetReads - target0) / wall, "rows/s", null));
            return list;
        }

        private async Task<(long Calls, long Rows)> ControlStatementsAsync(CancellationToken ct)
        {
            await using var c = new NpgsqlConnection(controlCs);
            await c.OpenAsync(ct);
            await using var command = new NpgsqlCommand(
                "SELECT coalesce(sum(calls), 0)::bigint, coalesce(sum(rows), 0)::bigint FROM pg_stat_statements " +
                $"WHERE userid = 'postgres'::regrole AND dbid = (SELECT oid FROM pg_database WHERE datname = '{ControlDb}') " +
                "AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%pg_locks%'", c);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return (reader.GetInt64(0), reader.GetInt64(1));
        }

        /// <summary>Rows of ferry.table_state read so far (sequential and index fetches; statistics are flushed within a second).</summary>
        private static async Task<long> TableStateReadsAsync(string target, CancellationToken ct)
        {
            await Task.Delay(1100, ct); // pgstat flushes at most once a second
            return await Db.ScalarAsync<long>(target,
                "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables WHERE schemaname = 'ferry' AND relname = 'table_state'",
                ct);
        }

        /// <summary>
        /// O.LagRate transactions a second, each updating three tables (t0001's row 1 is the marker); a poller reads the marker on
        /// the target every 5 ms; lag = first seen minus commit returned.
        /// </summary>
        private async Task<(double Median, double P95, int Missing)> LagAsync(string target, CancellationToken ct)
        {
            var seconds = O.Quick ? 4 : 30;
            var count = seconds * O.LagRate;
            var baseSeq = await Db.ScalarAsync<int>(sourceCs, $"SELECT hits FROM {TableName(1)} WHERE id = 1", ct);
            var committed = new double[count + 1];
            var seen = Enumerable.Repeat(double.NaN, count + 1).ToArray();
            var clock = Stopwatch.StartNew();
            var poller = Task.Run(async () =>
            {
                await using var c = new NpgsqlConnection(target);
                await c.OpenAsync(ct);
                await using var cmd = new NpgsqlCommand($"SELECT hits FROM {TableName(1)} WHERE id = 1", c);
                await cmd.PrepareAsync(ct);
                var last = 0;
                var deadline = TimeSpan.FromSeconds(seconds + 60);
                while (last < count && clock.Elapsed < deadline)
                {
                    var k = Math.Min(count, (int)(await cmd.ExecuteScalarAsync(ct))! - baseSeq);
                    if (k > last)
                    {
                        var now = clock.Elapsed.TotalSeconds;
                        for (var j = last + 1; j <= k; j++)
                        {
                            seen[j] = now;
                        }
                        last = k;
                    }
                    await Task.Delay(5, ct);
                }
            }, ct);
            await using (var c = new NpgsqlConnection(sourceCs))
            {
                await c.OpenAsync(ct);
                for (var k = 1; k <= count; k++)
                {
                    var due = TimeSpan.FromSeconds((double)k / O.LagRate);
                    if (due > clock.Elapsed)
                    {
                        await Task.Delay(due - clock.Elapsed, ct);
                    }
                    await using var batch = new NpgsqlBatch(c)
                    {
                        BatchCommands =
                        {
                            new NpgsqlBatchCommand($"UPDATE {TableName(2)} SET hits = hits + 1 WHERE id = 1"),
                            new NpgsqlBatchCommand($"UPDATE {TableName(3)} SET v = md5(random()::text) WHERE id = 2"),
                            new NpgsqlBatchCommand($"UPDATE {TableName(1)} SET hits = {baseSeq + k} WHERE id = 1"),
                        },
                    };
                    await batch.ExecuteNonQueryAsync(ct);
                    committed[k] = clock.Elapsed.TotalSeconds;
                }
            }
            await poller;
            var lags = new List<double>();
            var missing = 0;
            for (var k = 1; k <= count; k++)
            {
                if (double.IsNaN(seen[k]))
                {
                    missing++;
                }
                else
                {
                    lags.Add(Math.Max(0, seen[k] - committed[k]));
                }
            }
            return (Median(lags), Percentile(lags, 0.95), missing);
        }
    }

    /// <summary>A context factory on another connection string (the dashboard's role).</summary>
    private sealed class ControlContexts(string connectionString) : IDbContextFactory<ControlDbContext>
    {
        public ControlDbContext CreateDbContext()
        {
            var builder = new DbContextOptionsBuilder<ControlDbContext>();
            ControlDbContext.Configure(builder, connectionString);
            return new ControlDbContext(builder.Options);
        }
    }

    /// <summary>Counts NOTIFY ferry_replication on the control database (what makes open pages read again).</summary>
    private sealed class NotificationCounter : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _count;

        private NotificationCounter(NpgsqlConnection connection)
        {
            _connection = connection;
            _connection.Notification += (_, _) => Interlocked.Increment(ref _count);
            _loop = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        await _connection.WaitAsync(_stop.Token);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            });
        }

        public int Count => Volatile.Read(ref _count);

        public static async Task<NotificationCounter> StartAsync(string cs, CancellationToken ct)
        {
            var connection = new NpgsqlConnection(cs);
            await connection.OpenAsync(ct);
            await using (var listen = new NpgsqlCommand($"LISTEN {ReplicationChanges.Channel}", connection))
            {
                await listen.ExecuteNonQueryAsync(ct);
            }
            return new NotificationCounter(connection);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            await _connection.DisposeAsync();
            _stop.Dispose();
        }
    }
}
