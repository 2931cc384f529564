using System.Diagnostics;
using Npgsql;

namespace Ferry.Bench;

/// <summary>
/// The replication benchmarks (issues 4 and 15): initial copy (against the plain COPY pipe), an empty table, catch-up of a
/// backlog, lag at 10 logins/s and lag under 1,000 transactions/s, for Londiste 3, native logical replication and Ferry (the
/// portal), each into its own target database. Every headline figure is measured in <see cref="Options.Rounds"/> rounds;
/// ratios are taken within a round; Ferry's figures carry the portal's peak resident memory of each round.
/// </summary>
internal sealed class ReplicationBench(BenchEnv env, Report report, List<IReplicator> tools)
{
    public const string CopyName = "initial copy";
    public const string CatchUpName = "catch-up";
    public const string LagName = "lag";
    public const string FanOutName = "fan-out (what more cores would show)";
    private const string UserInfo = "digoal_01.user_info";
    private const string Empty = "digoal_01.bench_empty";
    private const string Marker = "digoal_01.bench_marker";
    private const string Session = "digoal_01.user_session";
    private static readonly TimeSpan OkTimeout = TimeSpan.FromMinutes(10);
    private readonly List<double> _idleRss = [];
    private readonly List<string> _idleWhen = [];
    private long _markerSeq;

    private Options O => env.Options;
    private IReplicator? Ferry => tools.FirstOrDefault(t => t is PortalReplicator);

    // ---------------------------------------------------------------- copy

    public async Task CopyAsync(string pipeTarget, CancellationToken ct)
    {
        report.Settings[CopyName] = "PostgreSQL's defaults on source and target (the copy's COPY and the pipe's commit wait for their " +
                                    "flush); no workload runs meanwhile.";
        var rows = await Db.ScalarAsync<long>(env.SourceSuper, $"SELECT count(*) FROM {UserInfo}", ct);
        var metric = $"user_info, {rows:N0} rows, add to ok";
        var pipe = new List<double>();
        var pipeCpu = new List<CpuMeter.Used>();
        var runs = tools.ToDictionary(t => t, _ => new Run());
        for (var round = 0; round < O.Rounds; round++)
        {
            // Londiste 3 (about 3x the pipe) is context, not a goal: round 1 only. The order alternates between rounds.
            var steps = new List<IReplicator?> { null };
            steps.AddRange(tools.Where(t => round == 0 || t is not LondisteReplicator));
            if (round % 2 == 1)
            {
                steps.Reverse();
            }
            foreach (var tool in steps)
            {
                if (tool is null)
                {
                    var cpu = CpuMeter.Start(env, Environment.ProcessId);
                    var seconds = (await PipeAsync(pipeTarget, ct)).TotalSeconds;
                    pipeCpu.Add(cpu.Stop());
                    pipe.Add(seconds);
                    Console.WriteLine($"    round {round + 1}: COPY pipe: {seconds:0.00} s");
                    continue;
                }
                var run = runs[tool];
                if (run.Seconds.Count > 0)
                {
                    await tool.RemoveAsync([UserInfo], ct);
                }
                await TimeAddAsync(tool, run, UserInfo, ct);
                var got = await Db.ScalarAsync<long>(tool.TargetConnection, $"SELECT count(*) FROM {UserInfo}", ct);
                if (got != rows)
                {
                    run.Details[^1] = $"ROW COUNT DIFFERS: {got} of {rows}. " + run.Details[^1];
                }
                Console.WriteLine($"    round {round + 1}: {tool.Name}: {run.Seconds[^1]:0.00} s");
            }
        }
        const string pipeName = "COPY TO STDOUT | COPY FROM STDIN (binary, Npgsql)";
        report.Add(new Figure(CopyName, pipeName, metric, Series.Of(pipe), "s", Note: "baseline, one run per round"));
        foreach (var tool in tools)
        {
            var run = runs[tool];
            var ratio = Series.Ratio(run.Seconds, pipe);
            report.Add(new Figure(CopyName, tool.Name, metric, Series.Of(run.Seconds), "s", ratio, "the pipe (same round)",
                Details(run), Series.Of(run.Rss)));
            if (tool is PortalReplicator)
            {
                report.Goal(new Goal($"initial copy, {rows:N0} rows, add to ok, against the binary COPY pipe", "≤ 1.15x", ratio, "x",
                    SmallerIsBetter: true, 1.15, Series.Of(run.Rss)) { Key = "copy" });
                report.Goal(new Goal($"portal RSS during a {rows:N0}-row copy (peak)", "≤ 500 MB", Series.Of(run.Rss), "MB",
                    SmallerIsBetter: true, 500, Note: $"peak of each copy round; {Ferry!.Rss!.Method}") { Key = "rss.copy" });
            }
        }
        // What predicts the copy on more cores (parallel key ranges): the CPU each side spends per row, not the wall time.
        report.Add(CpuFigure(pipeName, pipeCpu, rows, "the pipe's relay is the benchmark process"));
        foreach (var tool in tools.Where(t => t is not LondisteReplicator))
        {
            report.Add(CpuFigure(tool.Name, runs[tool].Cpu, rows,
                tool is PortalReplicator ? "the copying process is the portal" : "the copy runs inside the clusters"));
        }
        SkipFerry(CopyName);

        // An empty table: what the machinery costs by itself.
        var empty = tools.ToDictionary(t => t, _ => new Run());
        for (var round = 0; round < O.Rounds; round++)
        {
            foreach (var tool in tools.Where(t => round == 0 || t is not LondisteReplicator))
            {
                if (empty[tool].Seconds.Count > 0)
                {
                    await tool.RemoveAsync([Empty], ct);
                }
                await TimeAddAsync(tool, empty[tool], Empty, ct);
            }
        }
        foreach (var tool in tools)
        {
            var run = empty[tool];
            report.Add(new Figure(CopyName, tool.Name, "empty table, add to ok", Series.Of(run.Seconds), "s", Note: Details(run),
                PeakRssMb: Series.Of(run.Rss)));
            if (tool is PortalReplicator)
            {
                var native = empty.FirstOrDefault(e => e.Key is NativeReplicator).Value;
                report.Goal(new Goal("empty table, add to ok", "≤ 0.3 s", Series.Of(run.Seconds), "s", SmallerIsBetter: true, 0.3,
                    Series.Of(run.Rss), native is null ? null : $"native replication: {Series.Of(native.Seconds)?.Format()} s") { Key = "empty" });
            }
        }
        SkipFerry(CopyName);
    }

    private static Figure CpuFigure(string variant, List<CpuMeter.Used> used, long rows, string note) =>
        new(CopyName, variant, $"CPU seconds per million rows copied (source + target + copying process)",
            Series.Of(used.Select(u => u.Total * 1e6 / rows)), "s",
            Note: used.Count == 0 ? null : $"{note}; median split source / target / process: " +
                  $"{Median(used, u => u.Source, rows)} / {Median(used, u => u.Target, rows)} / {Median(used, u => u.Process, rows)} s");

    private static string Median(List<CpuMeter.Used> used, Func<CpuMeter.Used, double> part, long rows) =>
        Series.Number(Math.Round(Series.Percentile([.. used.Select(u => part(u) * 1e6 / rows)], 0.5), 1));

    private async Task TimeAddAsync(IReplicator tool, Run run, string table, CancellationToken ct)
    {
        var window = tool.Rss?.Start();
        var cpu = CpuMeter.Start(env, tool.Rss?.Pid);
        var watch = Stopwatch.StartNew();
        await tool.AddAsync([table], ct);
        var detail = await tool.WaitOkAsync([table], watch, OkTimeout, ct);
        var seconds = watch.Elapsed.TotalSeconds;
        run.Cpu.Add(cpu.Stop());
        if (window is not null)
        {
            await window.StopAsync();
            run.Rss.Add(window.PeakMb);
        }
        run.Seconds.Add(seconds);
        run.Details.Add(detail ?? "");
    }

    /// <summary>The practical limit: one binary COPY out of the source streamed straight into the target.</summary>
    private async Task<TimeSpan> PipeAsync(string target, CancellationToken ct, string table = UserInfo)
    {
        await Db.ExecAsync(target, $"TRUNCATE {table}", ct);
        var watch = Stopwatch.StartNew();
        await using (var src = new NpgsqlConnection(env.SourceSuper))
        await using (var dst = new NpgsqlConnection(target))
        {
            await src.OpenAsync(ct);
            await dst.OpenAsync(ct);
            await using var reader = await src.BeginRawBinaryCopyAsync($"COPY {table} TO STDOUT (FORMAT binary)", ct);
            await using var writer = await dst.BeginRawBinaryCopyAsync($"COPY {table} FROM STDIN (FORMAT binary)", ct);
            await reader.CopyToAsync(writer, 1 << 16, ct);
        }
        var elapsed = watch.Elapsed;
        var a = await Db.ScalarAsync<long>(env.SourceSuper, $"SELECT count(*) FROM {table}", ct);
        var b = await Db.ScalarAsync<long>(target, $"SELECT count(*) FROM {table}", ct);
        if (a != b)
        {
            throw new BenchException($"The COPY pipe copied {b} of {a} rows of {table}.");
        }
        return elapsed;
    }

    // ---------------------------------------------------------------- idle memory

    /// <summary>The portal's peak resident memory over a few seconds with nothing to replicate (no browser connected).</summary>
    public async Task IdleRssAsync(string when, CancellationToken ct)
    {
        if (Ferry?.Rss is not { } rss)
        {
            return;
        }
        var window = rss.Start();
        await Task.Delay(TimeSpan.FromSeconds(O.Quick ? 2 : 10), ct);
        await window.StopAsync();
        _idleRss.Add(window.PeakMb);
        _idleWhen.Add(when);
        Console.WriteLine($"    portal idle ({when}): {window.PeakMb:0} MB");
    }

    /// <summary>Reports the idle windows taken so far as one figure and its goal.</summary>
    public void ReportIdleRss()
    {
        if (_idleRss.Count == 0)
        {
            return;
        }
        report.Add(new Figure("portal memory", "Ferry", "resident memory at rest (peak over each idle window)", Series.Of(_idleRss), "MB",
            Note: $"windows of {(O.Quick ? 2 : 10)} s: {string.Join(", ", _idleWhen)}; no browser connected; {Ferry!.Rss!.Method}"));
        report.Goal(new Goal("portal RSS idle", "≤ 300 MB", Series.Of(_idleRss), "MB", SmallerIsBetter: true, 300,
            Note: string.Join(", ", _idleWhen)) { Key = "rss.idle" });
    }

    // ---------------------------------------------------------------- setup for catch-up and lag

    /// <summary>Adds user_session and the marker table to every tool and waits until they are in sync.</summary>
    public async Task PrepareStreamAsync(CancellationToken ct)
    {
        await env.InsertMarkerRowAsync(ct);
        foreach (var tool in tools)
        {
            var watch = Stopwatch.StartNew();
            await tool.AddAsync([Session, Marker], ct);
            await tool.WaitOkAsync([Session, Marker], watch, OkTimeout, ct);
            Console.WriteLine($"    {tool.Name}: user_session and bench_marker in sync after {watch.Elapsed.TotalSeconds:0.0} s");
        }
    }

    // ---------------------------------------------------------------- catch-up

    public async Task CatchUpAsync(CancellationToken ct)
    {
        report.Settings[CatchUpName] = "PostgreSQL's defaults on source and target while the tools apply. The backlog itself is " +
            "written by pgbench sessions with synchronous_commit=off (writing it is not measured, and every tool starts only after " +
            "the marker row, committed with the default synchronous_commit=on, has flushed all of it).";
        var rates = tools.ToDictionary(t => t, _ => new Run());
        long events = 0;
        for (var round = 0; round < O.Rounds; round++)
        {
            foreach (var tool in tools)
            {
                await tool.StopApplyAsync(ct);
            }
            var perClient = (O.Backlog + O.Clients - 1) / O.Clients;
            var (tps, transactions) = await Pgbench.RunAsync(env, O.Clients, null, perClient, ct, waitForFlush: false);
            var seq = await BumpMarkerAsync(ct);
            events = transactions + 1; // each transaction updates one user_session row; plus the marker
            Console.WriteLine($"    round {round + 1}: backlog of {transactions:N0} transactions at {tps:0} tps");
            var source = await FingerprintAsync(env.SourceSuper, ct);
            foreach (var tool in Alternate(tools, round))
            {
                var run = rates[tool];
                if (await Db.ScalarAsync<long>(tool.TargetConnection, $"SELECT seq FROM {Marker} WHERE id = 1", ct) >= seq)
                {
                    throw new BenchException($"{tool.Name} applied the backlog while stopped.");
                }
                var window = tool.Rss?.Start();
                var cpu = CpuMeter.Start(env, tool.Rss?.Pid);
                var watch = Stopwatch.StartNew();
                await tool.StartApplyAsync(ct);
                await Db.WaitAsync($"{tool.Name} to apply the backlog", async () =>
                    await Db.ScalarAsync<long>(tool.TargetConnection, $"SELECT seq FROM {Marker} WHERE id = 1", ct) >= seq,
                    TimeSpan.FromMinutes(20), ct, pollMs: 25);
                var seconds = watch.Elapsed.TotalSeconds;
                run.Cpu.Add(cpu.Stop());
                if (window is not null)
                {
                    await window.StopAsync();
                    run.Rss.Add(window.PeakMb);
                }
                var target = await FingerprintAsync(tool.TargetConnection, ct);
                run.Seconds.Add(events / seconds);
                run.Details.Add(target == source ? "" : $"TARGET DIFFERS in round {round + 1}: {target} vs {source}");
                Console.WriteLine($"    round {round + 1}: {tool.Name}: {seconds:0.00} s, {events / seconds:0} events/s");
            }
        }
        var native = rates.FirstOrDefault(r => r.Key is NativeReplicator).Value;
        var londiste = rates.FirstOrDefault(r => r.Key is LondisteReplicator).Value;
        foreach (var tool in tools)
        {
            var run = rates[tool];
            var differs = string.Join("; ", run.Details.Where(d => d.Length > 0));
            var note = (differs.Length > 0 ? differs : "target equals source after every round (user_session fingerprint)") +
                       "; rate = row changes / seconds from the start of apply until the marker row is on the target";
            var isBase = tool is NativeReplicator || native is null;
            report.Add(new Figure(CatchUpName, tool.Name, $"backlog of {events:N0} row changes", Series.Of(run.Seconds), "events/s",
                isBase ? null : Series.Ratio(run.Seconds, native!.Seconds), isBase ? null : "native (same round)", note, Series.Of(run.Rss)));
            // What predicts catch-up on more cores: which side each tool keeps busy (docs/benchmarks/2026-12-03-two-cores.md).
            report.Add(new Figure(CatchUpName, tool.Name, "CPU per row change applied (source + target + applying process)",
                Series.Of(run.Cpu.Select(u => u.Total / events * 1e6)), "µs",
                Note: $"median split source / target / process: {Median(run.Cpu, u => u.Source, events)} / " +
                      $"{Median(run.Cpu, u => u.Target, events)} / {Median(run.Cpu, u => u.Process, events)} µs" +
                      (tool switch
                      {
                          PortalReplicator => "; the applying process is the portal",
                          LondisteReplicator => "; Londiste's python worker is not counted",
                          _ => "; native replication applies inside the clusters",
                      })));
            if (tool is PortalReplicator)
            {
                if (londiste is not null)
                {
                    var vs = Series.Ratio(run.Seconds, londiste.Seconds);
                    report.Add(new Figure(CatchUpName, tool.Name, "against Londiste 3", (Series?)null, "", vs, "Londiste 3 (same round)"));
                    report.Goal(new Goal($"catch-up of {events:N0} changes, against Londiste 3", "≥ 4x", vs, "x", SmallerIsBetter: false, 4,
                        Series.Of(run.Rss)) { Key = "catchup.londiste" });
                }
                if (native is not null)
                {
                    report.Goal(new Goal($"catch-up of {events:N0} changes, against native replication", "≥ 1.5x",
                        Series.Ratio(run.Seconds, native.Seconds), "x", SmallerIsBetter: false, 1.5, Series.Of(run.Rss)) { Key = "catchup.native" });
                }
            }
        }
        SkipFerry(CatchUpName);
        report.Note("catch-up: in each round every tool's apply was stopped (Londiste: leaf worker killed, pgqd kept ticking; native: " +
                    "subscription disabled; Ferry: subscription paused over the API until its runner let go of its lock), the backlog " +
                    "was written, then each tool was started alone, one after the other (the order alternates between rounds), and " +
                    "timed until the marker row written after the backlog was on its target. Ferry's time includes its runner's start " +
                    "(a Hangfire job the resume enqueues).");
    }

    private static async Task<string> FingerprintAsync(string connection, CancellationToken ct) =>
        (await Db.ColumnAsync(connection,
            $"SELECT concat_ws('/', count(*), sum(login_count), count(logouttime), sum(extract(epoch FROM online_interval))) FROM {Session}",
            ct))[0];

    private async Task<long> BumpMarkerAsync(CancellationToken ct)
    {
        var seq = Interlocked.Increment(ref _markerSeq) + 1_000_000_000;
        await Db.ExecAsync(env.SourceApp, $"UPDATE {Marker} SET seq = {seq}, ts = clock_timestamp() WHERE id = 1", ct);
        return seq;
    }

    // ---------------------------------------------------------------- lag

    /// <summary>
    /// Lag at <see cref="Options.LagRate"/> logins a second, every tool applying the same stream at the same time; then lag
    /// under <see cref="Options.BusyRate"/> transactions a second (the same probe plus the seed workload through pgbench at
    /// the rest of the rate), Ferry and native replication only.
    /// </summary>
    public async Task LagAsync(CancellationToken ct)
    {
        report.Settings[LagName] = "PostgreSQL's defaults on source and target, for the probe's transactions and for pgbench's load " +
            "alike (native replication sends only flushed WAL: with synchronous_commit=off its lag would include the WAL writer's " +
            "delay). Each tool applies with its own settings (native's apply worker commits with synchronous_commit=off, its " +
            "subscription default).";
        var quiet = await LagRoundsAsync(tools, busy: false, ct);
        ReportLag(quiet, $"{O.LagRate} logins/s for {O.LagSeconds} s", $"lag at {O.LagRate} logins/s", "lag10", (0.05, 0.15));

        // Londiste's python worker applies one statement per event and falls behind at this rate, taking the CPU that the
        // others need: its leaf worker is stopped for this benchmark (its triggers keep capturing on the source).
        var busyTools = tools.Where(t => t is not LondisteReplicator).ToList();
        foreach (var londiste in tools.OfType<LondisteReplicator>())
        {
            await londiste.StopApplyAsync(ct);
        }
        var busy = await LagRoundsAsync(busyTools, busy: true, ct);
        ReportLag(busy, $"{O.BusyRate:N0} transactions/s for {O.BusySeconds} s", $"lag at {O.BusyRate:N0} transactions/s", "busy", (0.10, 0.30));
        report.Note($"lag: every tool applied the same stream at the same time; a poller per target read the marker row every 5 ms; " +
                    "lag = first seen minus commit returned (one process, one clock). Busy lag: pgbench wrote the seed workload at " +
                    $"{O.BusyRate - O.LagRate:N0} transactions/s (-R, {O.Clients} clients) beside the probe's {O.LagRate} a second; " +
                    "Londiste 3's leaf worker was stopped (its PgQ triggers kept capturing on the source).");
    }

    private void ReportLag(Dictionary<IReplicator, LagRun> runs, string what, string goal, string key, (double Median, double P95) target)
    {
        var name = LagName;
        var native = runs.FirstOrDefault(r => r.Key is NativeReplicator).Value;
        foreach (var (tool, run) in runs)
        {
            var isBase = tool is NativeReplicator || native is null;
            var missing = run.Missing.Sum();
            var note = (missing > 0 ? $"{missing} commits never seen; " : "") + (run.Achieved.Count > 0
                ? $"pgbench achieved {Series.Of(run.Achieved)!.Format(v => v.ToString("0", System.Globalization.CultureInfo.InvariantCulture))} tps"
                : "");
            report.Add(new Figure(name, tool.Name, $"median, {what}", Series.Of(run.Median), "s",
                isBase ? null : Series.Ratio(run.Median, native!.Median), isBase ? null : "native (same round)",
                note.Length == 0 ? null : note, Series.Of(run.Rss)));
            report.Add(new Figure(name, tool.Name, "95th percentile", Series.Of(run.P95), "s",
                isBase ? null : Series.Ratio(run.P95, native!.P95), isBase ? null : "native (same round)", PeakRssMb: Series.Of(run.Rss)));
            if (tool is PortalReplicator)
            {
                var beside = native is null ? null
                    : $"native: median {Series.Of(native.Median)?.Format()} s, p95 {Series.Of(native.P95)?.Format()} s";
                report.Goal(new Goal($"{goal}, median", $"≤ {target.Median} s", Series.Of(run.Median), "s", SmallerIsBetter: true,
                    target.Median, Series.Of(run.Rss), beside) { Key = key + ".median" });
                report.Goal(new Goal($"{goal}, 95th percentile", $"≤ {target.P95} s", Series.Of(run.P95), "s", SmallerIsBetter: true,
                    target.P95, Series.Of(run.Rss)) { Key = key + ".p95" });
            }
        }
        SkipFerry(name);
    }

    private async Task<Dictionary<IReplicator, LagRun>> LagRoundsAsync(List<IReplicator> measured, bool busy, CancellationToken ct)
    {
        var runs = measured.ToDictionary(t => t, _ => new LagRun());
        var seconds = busy ? O.BusySeconds : O.LagSeconds;
        for (var round = 0; round < O.Rounds; round++)
        {
            var windows = measured.Select(t => t.Rss?.Start()).ToList();
            Task<(double Tps, long Transactions)>? load = null;
            if (busy)
            {
                load = Pgbench.RunAsync(env, O.Clients, seconds + 2, null, ct, rate: O.BusyRate - O.LagRate);
                await Task.Delay(1000, ct); // pgbench connects its clients first
            }
            var (seen, committed) = await ProbeAsync(measured, seconds, ct);
            if (load is not null)
            {
                var (tps, _) = await load;
                foreach (var run in runs.Values)
                {
                    run.Achieved.Add(tps + O.LagRate);
                }
            }
            for (var i = 0; i < measured.Count; i++)
            {
                var run = runs[measured[i]];
                if (windows[i] is { } w)
                {
                    await w.StopAsync();
                    run.Rss.Add(w.PeakMb);
                }
                var lags = new List<double>();
                var missing = 0;
                for (var k = 1; k < committed.Length; k++)
                {
                    if (double.IsNaN(seen[i][k]))
                    {
                        missing++;
                    }
                    else
                    {
                        lags.Add(Math.Max(0, seen[i][k] - committed[k]));
                    }
                }
                run.Median.Add(Series.Percentile(lags, 0.5));
                run.P95.Add(Series.Percentile(lags, 0.95));
                run.Missing.Add(missing);
                Console.WriteLine($"    round {round + 1}{(busy ? " (busy)" : "")}: {measured[i].Name}: median {run.Median[^1]:0.000} s, " +
                                  $"p95 {run.P95[^1]:0.000} s");
            }
        }
        return runs;
    }

    /// <summary>
    /// <see cref="Options.LagRate"/> logins a second for <paramref name="seconds"/>, each in one transaction that also bumps
    /// the marker row; pollers on every target see the new marker value. Returns, per tool, when each commit was first seen,
    /// and when each commit returned (same process, same clock).
    /// </summary>
    private async Task<(List<double[]> Seen, double[] Committed)> ProbeAsync(List<IReplicator> measured, int seconds, CancellationToken ct)
    {
        var count = seconds * O.LagRate;
        var baseSeq = await Db.ScalarAsync<long>(env.SourceSuper, $"SELECT seq FROM {Marker} WHERE id = 1", ct);
        var committed = new double[count + 1];
        var clock = Stopwatch.StartNew();
        var pollers = measured.Select(t => PollAsync(t.TargetConnection, baseSeq, count, clock, seconds, ct)).ToList();
        var rnd = new Random(42);
        await using (var c = new NpgsqlConnection(env.SourceApp))
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
                        new NpgsqlBatchCommand("SELECT nextval('digoal_01.seq_login_id')"),
                        new NpgsqlBatchCommand($"SELECT digoal_01.f_user_login({rnd.Next(1, O.SourceUsers + 1)})"),
                        new NpgsqlBatchCommand($"UPDATE {Marker} SET seq = {baseSeq + k}, ts = clock_timestamp() WHERE id = 1"),
                    },
                };
                await batch.ExecuteNonQueryAsync(ct); // one implicit transaction
                committed[k] = clock.Elapsed.TotalSeconds;
            }
        }
        var seen = new List<double[]>();
        foreach (var p in pollers)
        {
            seen.Add(await p);
        }
        return (seen, committed);
    }

    private static async Task<double[]> PollAsync(string target, long baseSeq, int count, Stopwatch clock, int seconds, CancellationToken ct)
    {
        var seen = Enumerable.Repeat(double.NaN, count + 1).ToArray();
        await using var c = new NpgsqlConnection(target);
        await c.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand($"SELECT seq FROM {Marker} WHERE id = 1", c);
        await cmd.PrepareAsync(ct);
        var last = 0;
        var deadline = TimeSpan.FromSeconds(seconds + 120);
        while (last < count && clock.Elapsed < deadline)
        {
            var seq = (long)(await cmd.ExecuteScalarAsync(ct))!;
            var k = (int)Math.Min(count, seq - baseSeq);
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
        return seen;
    }

    // ---------------------------------------------------------------- fan-out

    /// <summary>
    /// Lag under <see cref="Options.BusyRate"/> transactions a second with 1, 2, 4, 8 Ferry subscriptions active on the one
    /// set (each its own target database with the marker table; the first is the main subscription), and the CPU each part
    /// uses meanwhile: per subscription, the slope predicts how many subscriptions a machine with more cores carries before
    /// lag grows (docs/benchmarks/2026-12-03-two-cores.md). Londiste 3 and native replication are stopped for it.
    /// </summary>
    public async Task FanOutAsync(CancellationToken ct)
    {
        if (Ferry is not PortalReplicator main)
        {
            report.Skip(FanOutName, "Ferry", "the portal did not start (see Errors)");
            return;
        }
        report.Settings[FanOutName] = "PostgreSQL's defaults everywhere, as for lag (the probe and pgbench's load commit durably).";
        foreach (var other in tools.Where(t => t is not PortalReplicator))
        {
            await other.StopApplyAsync(ct);
        }
        var levels = O.FanOut;
        var fans = new List<PortalReplicator>();
        for (var i = 1; i < levels.Max(); i++)
        {
            var target = await env.SeedTargetAsync($"fan_{i:00}", ct);
            var fan = await main.SubscribeAnotherAsync($"fan-{i:00}", target, ct);
            var watch = Stopwatch.StartNew();
            await fan.AddAsync([Marker], ct);
            await fan.WaitOkAsync([Marker], watch, OkTimeout, ct);
            await fan.StopApplyAsync(ct);
            fans.Add(fan);
        }
        var active = 1;
        foreach (var n in levels)
        {
            for (; active < n; active++)
            {
                await fans[active - 1].StartApplyAsync(ct);
            }
            var measured = new List<IReplicator> { main };
            measured.AddRange(fans.Take(n - 1));
            // Every active subscription has caught up with the marker before the window starts.
            var seq = await BumpMarkerAsync(ct);
            foreach (var t in measured)
            {
                await Db.WaitAsync($"{t.Name} to catch up", async () =>
                    await Db.ScalarAsync<long>(t.TargetConnection, $"SELECT seq FROM {Marker} WHERE id = 1", ct) >= seq,
                    TimeSpan.FromMinutes(5), ct, pollMs: 50);
            }
            var cpu = CpuMeter.Start(env, main.Rss!.Pid);
            var clock = Stopwatch.StartNew();
            var load = Pgbench.RunAsync(env, O.Clients, O.FanSeconds + 2, null, ct, rate: O.BusyRate - O.LagRate);
            await Task.Delay(1000, ct);
            var (seen, committed) = await ProbeAsync(measured, O.FanSeconds, ct);
            var (tps, _) = await load;
            var used = cpu.Stop();
            var wall = clock.Elapsed.TotalSeconds;
            var lags = new List<double>();
            var worstP95 = 0.0;
            foreach (var s in seen)
            {
                var one = Enumerable.Range(1, committed.Length - 1).Where(k => !double.IsNaN(s[k]))
                    .Select(k => Math.Max(0, s[k] - committed[k])).ToList();
                lags.AddRange(one);
                worstP95 = Math.Max(worstP95, Series.Percentile(one, 0.95));
            }
            var variant = $"{n} subscription{(n == 1 ? "" : "s")}";
            var note = $"{tps + O.LagRate:0} tps achieved; CPU cores used: source {used.Source / wall:0.00}, target " +
                       $"{used.Target / wall:0.00}, portal {used.Process / wall:0.00}";
            report.Add(new Figure(FanOutName, variant, $"lag median, {O.BusyRate:N0} transactions/s, every subscription's samples",
                Series.Percentile(lags, 0.5), "s", Note: note));
            report.Add(new Figure(FanOutName, variant, "lag 95th percentile (worst subscription)", worstP95, "s"));
            // Per transaction written, so that a level whose rate pgbench could not keep still compares.
            var written = (tps + O.LagRate) * wall;
            report.Add(new Figure(FanOutName, variant, "portal CPU per transaction written", used.Process / written * 1e6, "µs"));
            report.Add(new Figure(FanOutName, variant, "source CPU per transaction written (server processes)", used.Source / written * 1e6, "µs"));
            report.Add(new Figure(FanOutName, variant, "target CPU per transaction written (server processes)", used.Target / written * 1e6, "µs"));
            Console.WriteLine($"    {variant}: median {Series.Percentile(lags, 0.5):0.000} s, worst p95 {worstP95:0.000} s; {note}");
        }
        report.Note($"fan-out: {O.FanSeconds} s per level at {O.BusyRate:N0} transactions/s (pgbench -R plus the probe); every " +
                    "subscription of the one set reads the whole queue; the extra subscriptions replicate only the marker table. " +
                    "Londiste 3 and native replication were stopped. On 2 cores the levels compete for the same CPU: read the CPU " +
                    "per added subscription, not the lag, to predict a bigger machine.");
    }

    // ---------------------------------------------------------------- helpers

    private void SkipFerry(string benchmark)
    {
        if (Ferry is null)
        {
            report.Skip(benchmark, "Ferry", "the portal did not start (see Errors); FERRY_BENCH_NO_FERRY=1 leaves it out on purpose");
        }
    }

    private static string Details(Run run) =>
        run.Details.Count == 0 ? "" : run.Details.Count == 1 || run.Details.Distinct().Count() == 1
            ? run.Details[0]
            : string.Join(" | ", run.Details.Select((d, i) => $"round {i + 1}: {d}"));

    /// <summary>The tools in the given order in even rounds, reversed in odd ones (drift cancels out).</summary>
    private static IEnumerable<T> Alternate<T>(List<T> items, int round) => round % 2 == 0 ? items : Enumerable.Reverse(items);

    /// <summary>One tool's values in each round of a benchmark.</summary>
    private sealed class Run
    {
        public List<double> Seconds { get; } = [];
        public List<double> Rss { get; } = [];
        public List<string> Details { get; } = [];
        public List<CpuMeter.Used> Cpu { get; } = [];
    }

    private sealed class LagRun
    {
        public List<double> Median { get; } = [];
        public List<double> P95 { get; } = [];
        public List<int> Missing { get; } = [];
        public List<double> Rss { get; } = [];
        public List<double> Achieved { get; } = [];
    }
}
