using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Ferry.Bench;

/// <summary>
/// Issue 4's benchmarks: initial copy (against the plain COPY pipe), catch-up of a backlog, and lag at 10 logins/s, for
/// Londiste 3, native logical replication and (once the engine has it) Ferry, each into its own target database.
/// </summary>
internal sealed class ReplicationBench(BenchEnv env, Report report, List<IReplicator> tools)
{
    private const string UserInfo = "digoal_01.user_info";
    private const string Empty = "digoal_01.bench_empty";
    private const string Marker = "digoal_01.bench_marker";
    private const string Session = "digoal_01.user_session";
    private static readonly TimeSpan OkTimeout = TimeSpan.FromMinutes(10);
    private long _markerSeq;

    private static string Pending => FerryPlugs.ReplicationMissing;

    // ---------------------------------------------------------------- copy

    public async Task CopyAsync(string pipeTarget, bool ferryMissing, CancellationToken ct)
    {
        const string name = "initial copy (issue 4)";
        var rows = await Db.ScalarAsync<long>(env.SourceSuper, $"SELECT count(*) FROM {UserInfo}", ct);
        var pipe1 = await PipeAsync(pipeTarget, ct);
        Console.WriteLine($"    COPY pipe: {pipe1.TotalSeconds:0.00} s");
        var results = new List<(IReplicator Tool, double Seconds, string? Detail)>();
        foreach (var tool in tools)
        {
            var watch = Stopwatch.StartNew();
            await tool.AddAsync([UserInfo], ct);
            var detail = await tool.WaitOkAsync([UserInfo], watch, OkTimeout, ct);
            var seconds = watch.Elapsed.TotalSeconds;
            var got = await Db.ScalarAsync<long>(tool.TargetConnection, $"SELECT count(*) FROM {UserInfo}", ct);
            if (got != rows)
            {
                detail = $"ROW COUNT DIFFERS: {got} of {rows}. " + detail;
            }
            Console.WriteLine($"    {tool.Name}: {seconds:0.00} s");
            results.Add((tool, seconds, detail));
        }
        var pipe2 = await PipeAsync(pipeTarget, ct);
        Console.WriteLine($"    COPY pipe again: {pipe2.TotalSeconds:0.00} s");
        var pipe = (pipe1.TotalSeconds + pipe2.TotalSeconds) / 2;
        var metric = $"user_info, {rows:N0} rows, add to ok";
        report.Add(new Figure(name, "COPY TO STDOUT | COPY FROM STDIN (binary, Npgsql)", metric, pipe, "s", Note:
            $"baseline; mean of a run before ({pipe1.TotalSeconds:0.00} s) and after ({pipe2.TotalSeconds:0.00} s) the tools"));
        foreach (var (tool, seconds, detail) in results)
        {
            report.Add(new Figure(name, tool.Name, metric, seconds, "s", seconds / pipe, "the pipe", detail));
        }
        if (ferryMissing)
        {
            report.Skip(name, "Ferry", Pending);
        }

        // An empty table: what the machinery costs by itself.
        var emptyPipe = await PipeAsync(pipeTarget, ct, Empty);
        report.Add(new Figure(name, "COPY pipe", "empty table, add to ok", emptyPipe.TotalSeconds, "s", Note: "baseline"));
        foreach (var tool in tools)
        {
            var watch = Stopwatch.StartNew();
            await tool.AddAsync([Empty], ct);
            var detail = await tool.WaitOkAsync([Empty], watch, OkTimeout, ct);
            report.Add(new Figure(name, tool.Name, "empty table, add to ok", watch.Elapsed.TotalSeconds, "s", Note: detail));
        }
        if (ferryMissing)
        {
            report.Skip(name, "Ferry (empty table)", Pending);
        }
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

    public async Task CatchUpAsync(bool ferryMissing, CancellationToken ct)
    {
        const string name = "catch-up (issue 4)";
        var o = env.Options;
        foreach (var tool in tools)
        {
            await tool.StopApplyAsync(ct);
        }
        var perClient = (o.Backlog + o.Clients - 1) / o.Clients;
        var (tps, transactions) = await Pgbench.RunAsync(env, o.Clients, null, perClient, ct);
        var seq = await BumpMarkerAsync(ct);
        var events = transactions + 1; // each transaction updates one user_session row; plus the marker
        Console.WriteLine($"    backlog: {transactions:N0} transactions at {tps:0} tps");
        var source = await FingerprintAsync(env.SourceSuper, ct);
        var rates = new List<(IReplicator Tool, double Rate, double Seconds, string Note)>();
        foreach (var tool in tools)
        {
            var watch = Stopwatch.StartNew();
            await tool.StartApplyAsync(ct);
            await Db.WaitAsync($"{tool.Name} to apply the backlog", async () =>
                await Db.ScalarAsync<long>(tool.TargetConnection, $"SELECT seq FROM {Marker} WHERE id = 1", ct) >= seq,
                TimeSpan.FromMinutes(20), ct, pollMs: 25);
            var seconds = watch.Elapsed.TotalSeconds;
            var target = await FingerprintAsync(tool.TargetConnection, ct);
            var note = target == source ? "target equals source (user_session fingerprint)" : $"TARGET DIFFERS: {target} vs {source}";
            Console.WriteLine($"    {tool.Name}: {seconds:0.00} s, {events / seconds:0} events/s");
            rates.Add((tool, events / seconds, seconds, note));
        }
        var native = rates.FirstOrDefault(r => r.Tool is NativeReplicator);
        var londiste = rates.FirstOrDefault(r => r.Tool is LondisteReplicator);
        foreach (var (tool, rate, seconds, note0) in rates)
        {
            var note = tool is FerryReplicator && londiste.Tool is not null ? $"{rate / londiste.Rate:0.00}x Londiste 3; {note0}" : note0;
            var isBase = tool is NativeReplicator || native.Tool is null;
            report.Add(new Figure(name, tool.Name, $"backlog of {events:N0} row changes", rate, "events/s",
                isBase ? null : rate / native.Rate, isBase ? null : "native", $"{seconds:0.00} s from start of apply to marker seen; {note}"));
        }
        if (ferryMissing)
        {
            report.Skip(name, "Ferry", Pending);
        }
        report.Note($"catch-up: every tool's apply was stopped (Londiste: leaf worker killed, pgqd kept ticking; native: " +
                    $"subscription disabled), {transactions:N0} seed-workload transactions ran ({tps:0} tps), then each tool was " +
                    "started alone, one after the other, and timed until the marker row written after the backlog was visible.");
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
    /// 10 logins a second, each in one transaction that also bumps the marker row; pollers on every target see the new
    /// marker value. Lag = time the poller first saw it minus the time the commit returned (same process, same clock).
    /// </summary>
    public async Task LagAsync(bool ferryMissing, CancellationToken ct)
    {
        const string name = "lag (issue 4)";
        var o = env.Options;
        var count = o.LagSeconds * o.LagRate;
        var baseSeq = await Db.ScalarAsync<long>(env.SourceSuper, $"SELECT seq FROM {Marker} WHERE id = 1", ct);
        var committed = new double[count + 1];
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pollers = tools.Select(t => PollAsync(t.TargetConnection, baseSeq, count, clock, stop.Token)).ToList();

        var rnd = new Random(42);
        await using (var c = new NpgsqlConnection(env.SourceApp))
        {
            await c.OpenAsync(ct);
            for (var k = 1; k <= count; k++)
            {
                var due = TimeSpan.FromSeconds((double)k / o.LagRate);
                if (due > clock.Elapsed)
                {
                    await Task.Delay(due - clock.Elapsed, ct);
                }
                await using var batch = new NpgsqlBatch(c)
                {
                    BatchCommands =
                    {
                        new NpgsqlBatchCommand("SELECT nextval('digoal_01.seq_login_id')"),
                        new NpgsqlBatchCommand($"SELECT digoal_01.f_user_login({rnd.Next(1, o.SourceUsers + 1)})"),
                        new NpgsqlBatchCommand($"UPDATE {Marker} SET seq = {baseSeq + k}, ts = clock_timestamp() WHERE id = 1"),
                    },
                };
                await batch.ExecuteNonQueryAsync(ct); // one implicit transaction
                committed[k] = clock.Elapsed.TotalSeconds;
            }
        }
        var seen = new List<double[]>();
        for (var i = 0; i < pollers.Count; i++)
        {
            seen.Add(await pollers[i]);
        }
        var stats = new List<(IReplicator Tool, double Median, double P95, int Missing)>();
        for (var i = 0; i < tools.Count; i++)
        {
            var lags = new List<double>();
            var missing = 0;
            for (var k = 1; k <= count; k++)
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
            lags.Sort();
            stats.Add((tools[i], Percentile(lags, 0.5), Percentile(lags, 0.95), missing));
        }
        var native = stats.FirstOrDefault(s => s.Tool is NativeReplicator);
        foreach (var (tool, median, p95, missing) in stats)
        {
            var isBase = tool is NativeReplicator || native.Tool is null;
            var note = missing > 0 ? $"{missing} commits never seen within 60 s" : null;
            report.Add(new Figure(name, tool.Name, $"median, {o.LagRate} logins/s for {o.LagSeconds} s", median, "s",
                isBase ? null : median / native.Median, isBase ? null : "native", note));
            report.Add(new Figure(name, tool.Name, "95th percentile", p95, "s",
                isBase ? null : p95 / native.P95, isBase ? null : "native"));
        }
        if (ferryMissing)
        {
            report.Skip(name, "Ferry", Pending);
        }
        report.Note("lag: every tool applied the same stream at the same time; pollers read the marker row on each target every 5 ms.");
    }

    private static async Task<double[]> PollAsync(string target, long baseSeq, int count, Stopwatch clock, CancellationToken ct)
    {
        var seen = Enumerable.Repeat(double.NaN, count + 1).ToArray();
        await using var c = new NpgsqlConnection(target);
        await c.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand($"SELECT seq FROM {Marker} WHERE id = 1", c);
        await cmd.PrepareAsync(ct);
        var last = 0;
        var deadline = TimeSpan.FromSeconds((double)count / 10 + 120);
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

    private static double Percentile(List<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }
        var rank = p * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }

    public static string Seconds(double s) => s.ToString("0.00", CultureInfo.InvariantCulture);
}
