using System.Diagnostics;

namespace Ferry.Bench;

/// <summary>
/// Issue 3's benchmark: what capture costs the application. The seed workload through pgbench and one bulk UPDATE, with
/// no capture, with Londiste 3's PgQ triggers and with Ferry's capture, interleaved (A B B A ...) in the same run, with
/// no consumer running. Capture is switched by enabling or disabling the triggers whose function is in schema pgq or ferry.
/// </summary>
internal static class CaptureBench
{
    public const string Name = "capture (issue 3)";
    public static readonly string[] Tables = ["digoal_01.user_info", "digoal_01.user_session"];
    private const string None = "no capture";

    /// <summary>
    /// The PgQ queue of this benchmark: not Londiste's own queue, so that the millions of events captured here are never
    /// read by the Londiste leaf of the replication benchmarks (a new leaf starts at the root worker's position).
    /// </summary>
    private const string Queue = "bench_capture";

    public static async Task RunAsync(BenchEnv env, Report report, CancellationToken ct)
    {
        var o = env.Options;
        var variants = new List<(string Name, string? Schema)> { (None, null), ("Londiste 3 (pgq.logutriga)", "pgq") };
        if (await FerryPlugs.InstallSchemaAsync(env.SourceApp, ct))
        {
            await Db.ExecAsync(env.SourceApp, FerryPlugs.EnableCaptureSql("bench_ferry", Tables), ct);
            variants.Add(("Ferry capture", "ferry"));
        }
        // The triggers `londiste add-table` creates on a root (londiste.local_add_table): a row trigger with pgq.logutriga
        // and a truncate trigger with pgq.sqltriga; on their own queue (see Queue).
        await Db.ExecAsync(env.SourceSuper, $"SELECT pgq.create_queue('{Queue}');\n" + string.Concat(Tables.Select(t =>
            $"CREATE TRIGGER _londiste_{Queue} AFTER INSERT OR UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE PROCEDURE pgq.logutriga('{Queue}');\n" +
            $"CREATE TRIGGER _londiste_{Queue}_truncate AFTER TRUNCATE ON {t} FOR EACH STATEMENT EXECUTE PROCEDURE pgq.sqltriga('{Queue}');\n")), ct);
        report.Note("capture: the PgQ triggers are those `londiste add-table` creates on a root (pgq.logutriga row trigger + " +
                    "pgq.sqltriga truncate trigger) on user_info and user_session (the log tables have no key), on a queue of their own; " +
                    "pgq_writer granted to the app role; no ticker, no consumer running. Ferry's capture is installed by the tables' owner.");

        report.Settings[Name] = "source at PostgreSQL's defaults except that pgbench's and the bulk UPDATE's sessions set " +
            "synchronous_commit=off. No capture mechanism waits for a WAL flush (PgQ's and Ferry's triggers write their events in " +
            "the writing transaction); a durable commit would add the same flush wait (about 1.3 ms fdatasync on this disk) to every " +
            "variant and hide part of the triggers' CPU cost in it, and the shared disk's latency would add noise. So TPS here is " +
            "bound by CPU, where capture costs the most: the harder test.";
        var tps = variants.ToDictionary(v => v.Name, _ => new List<double>());
        var cpu = variants.ToDictionary(v => v.Name, _ => new List<double>());
        var wal = variants.ToDictionary(v => v.Name, _ => new List<double>());
        for (var round = 0; round < o.Rounds; round++)
        {
            foreach (var v in Order(variants, round))
            {
                await SetCaptureAsync(env, v.Schema, ct);
                await Db.ExecEachAsync(env.SourceSuper, ct, "VACUUM ANALYZE digoal_01.user_session", "CHECKPOINT");
                var lsn0 = await Db.ScalarAsync<string>(env.SourceSuper, "SELECT pg_current_wal_lsn()::text", ct);
                var cpu0 = ClusterCpu.Seconds(env.Source.DataDirectory);
                var (rate, transactions) = await Pgbench.RunAsync(env, o.Clients, o.CaptureSeconds, null, ct, waitForFlush: false);
                var cpu1 = ClusterCpu.Seconds(env.Source.DataDirectory);
                var bytes = await Db.ScalarAsync<double>(env.SourceSuper, $"SELECT pg_current_wal_lsn() - '{lsn0}'::pg_lsn", ct);
                Console.WriteLine($"    round {round + 1}: {v.Name}: {rate:0} tps");
                tps[v.Name].Add(rate);
                cpu[v.Name].Add((cpu1 - cpu0) / transactions * 1e6);
                wal[v.Name].Add(bytes / transactions);
            }
        }
        foreach (var v in variants)
        {
            var isBase = v.Name == None;
            var kept = isBase ? null : Series.Ratio(tps[v.Name], tps[None]);
            report.Add(new Figure(Name, v.Name, $"pgbench seed workload, {o.Clients} clients", Series.Of(tps[v.Name]), "tps",
                kept, isBase ? null : "of the uncaptured rate kept (same round)",
                v.Schema is null ? null : "capture runs inside PostgreSQL: no Ferry process"));
            if (v.Schema == "ferry")
            {
                report.Goal(new Goal("pgbench TPS kept with capture", "≥ 0.85", kept, "", SmallerIsBetter: false, 0.85,
                    Note: $"PgQ kept {Series.Ratio(tps[variants[1].Name], tps[None])?.Format() ?? "?"} in the same rounds") { Key = "tps" });
            }
        }
        // What predicts TPS kept on a machine with more cores than pgbench's clients keep busy: the CPU and the WAL that
        // capture adds to each transaction (docs/benchmarks/2026-12-03-two-cores.md).
        foreach (var v in variants)
        {
            var isBase = v.Name == None;
            report.Add(new Figure(Name, v.Name, "source CPU per transaction (server processes)", Series.Of(cpu[v.Name]), "µs",
                isBase ? null : Series.Ratio(cpu[v.Name], cpu[None]), isBase ? null : "uncaptured (same round)"));
            report.Add(new Figure(Name, v.Name, "WAL per transaction", Series.Of(wal[v.Name]), "bytes",
                isBase ? null : Series.Ratio(wal[v.Name], wal[None]), isBase ? null : "uncaptured (same round)"));
        }
        SkipFerry(report, variants);

        // PgQ's bulk UPDATE (about 4x the uncaptured time) is context, not a goal: one round.
        var times = variants.ToDictionary(v => v.Name, _ => new List<double>());
        for (var round = 0; round < o.Rounds; round++)
        {
            foreach (var v in Order(variants, round).Where(v => round == 0 || v.Schema != "pgq"))
            {
                await SetCaptureAsync(env, v.Schema, ct);
                await Db.ExecEachAsync(env.SourceSuper, ct, "VACUUM ANALYZE digoal_01.user_info", "CHECKPOINT");
                var watch = Stopwatch.StartNew();
                await Db.ExecAsync(env.SourceAppNoFlushWait,
                    $"UPDATE digoal_01.user_info SET mod_time = clock_timestamp() WHERE userid <= {o.UpdateRows}", ct);
                times[v.Name].Add(watch.Elapsed.TotalSeconds);
                Console.WriteLine($"    round {round + 1}: {v.Name}: UPDATE {watch.Elapsed.TotalSeconds:0.00} s");
            }
        }
        foreach (var v in variants)
        {
            var isBase = v.Name == None;
            var ratio = isBase ? null : Series.Ratio(times[v.Name], times[None]);
            report.Add(new Figure(Name, v.Name, $"UPDATE of {o.UpdateRows:N0} rows", Series.Of(times[v.Name]), "s",
                ratio, isBase ? null : "the uncaptured time (same round)", v.Schema == "pgq" ? "one round (context, no goal)" : null));
            if (v.Schema == "ferry")
            {
                report.Goal(new Goal($"bulk UPDATE of {o.UpdateRows:N0} rows with capture, against uncaptured", "≤ 1.8x", ratio, "x",
                    SmallerIsBetter: true, 1.8) { Key = "bulk" });
            }
        }
        SkipFerry(report, variants);
        await QueueReadAsync(env, report, variants.Any(v => v.Schema == "ferry"), ct);

        // Remove this benchmark's capture: the replication benchmarks set up their own.
        await SetCaptureAsync(env, null, ct);
        await Db.ExecAsync(env.SourceSuper, string.Concat(Tables.Select(t =>
            $"DROP TRIGGER _londiste_{Queue} ON {t}; DROP TRIGGER _londiste_{Queue}_truncate ON {t};")) +
            $"SELECT pgq.drop_queue('{Queue}', true);", ct);
        if (variants.Any(v => v.Schema == "ferry"))
        {
            await Db.ExecAsync(env.SourceApp, string.Concat(Tables.Select(t => $"SELECT ferry.disable_capture('bench_ferry', '{t}'::regclass);")), ct);
        }
        await Db.ExecEachAsync(env.SourceSuper, ct, "VACUUM ANALYZE digoal_01.user_info", "VACUUM ANALYZE digoal_01.user_session");
    }

    /// <summary>
    /// The ticker's and the batch reader's own throughput: a registered consumer, one UPDATE of the bulk size captured,
    /// one tick, then the whole batch streamed to the client (PgQ: pgq.get_batch_cursor + FETCH 10000, as Londiste does).
    /// </summary>
    private static async Task QueueReadAsync(BenchEnv env, Report report, bool ferryCapture, CancellationToken ct)
    {
        var o = env.Options;
        await SetCaptureAsync(env, "pgq", ct);
        // Close a tick first, so that the new consumer's first batch holds exactly the UPDATE's events.
        await Db.ExecEachAsync(env.SourceSuper, ct, $"SELECT pgq.force_tick('{Queue}')", $"SELECT pgq.ticker('{Queue}')",
            $"SELECT pgq.register_consumer('{Queue}', 'bench_reader')");
        await Db.ExecAsync(env.SourceApp, $"UPDATE digoal_01.user_info SET mod_time = clock_timestamp() WHERE userid <= {o.UpdateRows}", ct);
        var tick = Stopwatch.StartNew();
        var tickId = await Db.ScalarAsync<long?>(env.SourceSuper, $"SELECT pgq.ticker('{Queue}')", ct);
        var tickTime = tick.Elapsed.TotalSeconds;
        if (tickId is null)
        {
            throw new BenchException("pgq.ticker made no tick after the bulk UPDATE.");
        }
        var read = Stopwatch.StartNew();
        long events = 0;
        await using (var c = new Npgsql.NpgsqlConnection(env.SourceSuper))
        {
            await c.OpenAsync(ct);
            var batch = await Db.ScalarAsync<long?>(c, $"SELECT pgq.next_batch('{Queue}', 'bench_reader')", ct)
                        ?? throw new BenchException("pgq.next_batch returned no batch.");
            await using var tx = await c.BeginTransactionAsync(ct);
            events += await DrainAsync(c, $"SELECT * FROM pgq.get_batch_cursor({batch}, 'bench_cur', 10000)", ct);
            while (true)
            {
                var n = await DrainAsync(c, "FETCH 10000 FROM bench_cur", ct);
                events += n;
                if (n == 0)
                {
                    break;
                }
            }
            await Db.ScalarAsync<long>(c, $"SELECT pgq.finish_batch({batch})", ct);
            await tx.CommitAsync(ct);
        }
        var readTime = read.Elapsed.TotalSeconds;
        await Db.ExecAsync(env.SourceSuper, $"SELECT pgq.unregister_consumer('{Queue}', 'bench_reader')", ct);
        var pgqRate = events / readTime;
        report.Add(new Figure(Name, "PgQ batch reader (get_batch_cursor, FETCH 10000)", $"read one batch of {events:N0} events", pgqRate,
            "events/s", Note: $"{readTime:0.00} s; baseline"));
        report.Add(new Figure(Name, "PgQ ticker (pgq.ticker)", $"one tick over {events:N0} pending events", tickTime * 1000, "ms"));

        var ferry = ferryCapture ? FerryPlugs.CreateQueueReader(env.SourceApp) : null;
        if (ferry is null)
        {
            report.Skip(Name, "Ferry ticker and batch reader", ferryCapture
                ? FerryPlugs.ReaderMissing
                : FerryPlugs.CaptureMissing);
            return;
        }
        await using (ferry)
        {
            await SetCaptureAsync(env, "ferry", ct);
            await ferry.TickAsync("bench_ferry", ct); // so that the new consumer's first batch holds exactly the UPDATE's events
            await ferry.RegisterConsumerAsync("bench_ferry", "bench_reader", ct);
            await Db.ExecAsync(env.SourceApp, $"UPDATE digoal_01.user_info SET mod_time = clock_timestamp() WHERE userid <= {o.UpdateRows}", ct);
            tick.Restart();
            await ferry.TickAsync("bench_ferry", ct);
            var fTick = tick.Elapsed.TotalSeconds;
            read.Restart();
            var fEvents = await ferry.ReadNextBatchAsync("bench_ferry", "bench_reader", ct);
            var fRead = read.Elapsed.TotalSeconds;
            await ferry.UnregisterConsumerAsync("bench_ferry", "bench_reader", ct);
            report.Add(new Figure(Name, "Ferry batch reader", $"read one batch of {fEvents:N0} events", fEvents / fRead, "events/s",
                fEvents / fRead / pgqRate, "PgQ's reader", $"{fRead:0.00} s"));
            report.Add(new Figure(Name, "Ferry ticker", $"one tick over {fEvents:N0} pending events", fTick * 1000, "ms",
                fTick / tickTime, "PgQ's tick"));
        }
    }

    private static void SkipFerry(Report report, List<(string Name, string? Schema)> variants)
    {
        if (variants.All(v => v.Schema != "ferry"))
        {
            report.Skip(Name, "Ferry capture", FerryPlugs.CaptureMissing);
        }
    }

    private static async Task<long> DrainAsync(Npgsql.NpgsqlConnection c, string sql, CancellationToken ct)
    {
        await using var cmd = new Npgsql.NpgsqlCommand(sql, c);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        long n = 0;
        while (await r.ReadAsync(ct))
        {
            for (var i = 0; i < r.FieldCount; i++)
            {
                _ = r.IsDBNull(i) ? null : r.GetValue(i); // materialize every value, as a consumer would
            }
            n++;
        }
        return n;
    }

    /// <summary>Alternates the order of the variants from round to round (A B C, C B A, ...) so that drift cancels out.</summary>
    private static IEnumerable<T> Order<T>(List<T> variants, int round) =>
        round % 2 == 0 ? variants : Enumerable.Reverse(variants);

    /// <summary>Enables the capture triggers of one schema (pgq, ferry; "*" = all; null = none) and disables the others.</summary>
    public static Task SetCaptureAsync(BenchEnv env, string? schema, CancellationToken ct) =>
        Db.ExecAsync(env.SourceSuper, $$"""
            DO $$
            DECLARE r record;
            BEGIN
              FOR r IN
                SELECT t.tgrelid::regclass AS tbl, t.tgname, n.nspname
                  FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace n ON n.oid = p.pronamespace
                 WHERE NOT t.tgisinternal AND n.nspname IN ('pgq', 'ferry')
                   AND t.tgrelid IN ({{string.Join(", ", Tables.Select(t => $"'{t}'::regclass"))}})
              LOOP
                EXECUTE format('ALTER TABLE %s %s TRIGGER %I', r.tbl,
                  CASE WHEN r.nspname = '{{schema ?? "-"}}' OR '{{schema}}' = '*' THEN 'ENABLE' ELSE 'DISABLE' END, r.tgname);
              END LOOP;
            END $$;
            """, ct);
}
