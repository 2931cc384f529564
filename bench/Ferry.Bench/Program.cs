using Ferry.Bench;

Options options;
try
{
    options = Options.Parse(args);
}
catch (BenchException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
// A hard ceiling for the whole run, so that a hang never keeps clusters and daemons alive for ever.
cts.CancelAfter(options.Quick ? TimeSpan.FromMinutes(20) : TimeSpan.FromMinutes(90));
var ct = cts.Token;
var report = new Report();
Console.WriteLine($"Ferry benchmarks ({(options.Quick ? "quick" : "full")}): {string.Join(", ", options.Only)}; " +
                  $"load average {report.LoadAtStart}; work folder {options.WorkDirectory}");

var replication = options.Only.Overlaps(Options.ReplicationBenchmarks);
try
{
    await using var env = await BenchEnv.StartAsync(options, report, ct);
    Native? native = null;
    PortalProcess? portal = null;
    try
    {
        if (options.Only.Contains("tables1000"))
        {
            Step("1,000 tables in one subscription (issues 5 and 15)");
            await Guard(report, TablesBench.Name, () => new TablesBench(env, report).RunAsync(ct));
        }
        if (!options.NeedsSeed)
        {
            return Finish(report, options);
        }

        Step($"seeding the source with {options.SourceUsers:N0} users");
        await env.SeedSourceAsync(options.SourceUsers, ct);
        await Pgbench.WriteScriptsAsync(env, options.SourceUsers, ct);

        Step("Londiste 3: create-root (installs PgQ)");
        var londiste = new Londiste(env, "londiste_01");
        await londiste.CreateRootAsync(ct);

        if (options.Only.Contains("capture"))
        {
            Step("capture overhead");
            await Guard(report, CaptureBench.Name, () => CaptureBench.RunAsync(env, report, ct));
        }

        if (replication)
        {
            Step("replication setup: target databases, Londiste leaf, pgqd and workers, native subscription, the portal");
            var pipeTarget = await env.SeedTargetAsync("pipe_01", ct);
            await env.SeedTargetAsync("londiste_01", ct);
            await env.SeedTargetAsync("native_01", ct);
            await londiste.CreateLeafAsync(ct);
            londiste.StartDaemons();
            report.Note(londiste.TickerNote);
            native = new Native(env, "native_01");
            var tools = new List<IReplicator> { new LondisteReplicator(env, londiste), new NativeReplicator(native) };
            var ferryTarget = await env.SeedTargetAsync("ferry_01", ct);
            if (Environment.GetEnvironmentVariable("FERRY_BENCH_NO_FERRY") != "1")
            {
                try
                {
                    portal = await PortalProcess.StartAsync(env, ct);
                    var ferry = new PortalReplicator(portal, env.SourceSuper, ferryTarget);
                    await ferry.SetUpAsync(ct);
                    tools.Add(ferry);
                    report.Environment["Ferry's portal"] = $"pid {portal.Pid}, control database {PortalProcess.ControlDb} on the control " +
                                                           $"cluster; peak RSS per figure: {portal.Rss.Method}";
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    report.Error("Ferry's portal setup" + (portal is null ? "" : $" (log: {portal.LogTail(15)})"), e);
                }
            }
            var bench = new ReplicationBench(env, report, tools);
            await bench.IdleRssAsync("after set-up", ct);
            if (options.Only.Contains("copy"))
            {
                Step("initial copy and empty table");
                await Guard(report, ReplicationBench.CopyName, () => bench.CopyAsync(pipeTarget, ct));
                await bench.IdleRssAsync("after the copies", ct);
            }
            if (options.Only.Overlaps(["catchup", "lag", "fanout"]))
            {
                Step("adding user_session and the marker table to every tool");
                var ready = await Guard(report, "stream setup", () => bench.PrepareStreamAsync(ct));
                if (ready && options.Only.Contains("catchup"))
                {
                    Step("catch-up");
                    await Guard(report, ReplicationBench.CatchUpName, () => bench.CatchUpAsync(ct));
                }
                if (ready && options.Only.Contains("lag"))
                {
                    Step("lag");
                    await Guard(report, ReplicationBench.LagName, () => bench.LagAsync(ct));
                    await bench.IdleRssAsync("after the lag benchmarks", ct);
                }
                if (ready && options.Only.Contains("fanout"))
                {
                    Step("fan-out: lag and CPU against the number of subscriptions on one set");
                    await Guard(report, ReplicationBench.FanOutName, () => bench.FanOutAsync(ct));
                }
            }
            bench.ReportIdleRss();
            if (report.HasErrors)
            {
                Console.WriteLine(londiste.LogTail());
                if (portal is not null)
                {
                    Console.WriteLine("--- portal log\n" + portal.LogTail(30));
                }
            }
        }
    }
    finally
    {
        Step("stopping the portal, daemons and clusters");
        if (portal is not null)
        {
            await portal.DisposeAsync();
        }
        Proc.KillAll(options.WorkDirectory);
        if (native is not null)
        {
            await native.DropAsync();
        }
    }
}
catch (Exception e) when (e is not OperationCanceledException)
{
    report.Error("setup", e);
}
catch (OperationCanceledException)
{
    report.Error("run", new BenchException("cancelled (Ctrl-C or the run's time limit)"));
}

return Finish(report, options);

static int Finish(Report report, Options options)
{
    report.LoadAtEnd = Report.LoadAverage();
    var (md, json) = report.Write(options.ResultsDirectory, options);
    Console.WriteLine();
    Console.WriteLine(report.Markdown(options));
    Console.WriteLine($"Written: {md} and {json}");
    return report.HasErrors ? 1 : 0;
}

static void Step(string what) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {what}");

static async Task<bool> Guard(Report report, string benchmark, Func<Task> run)
{
    try
    {
        await run();
        return true;
    }
    catch (Exception e) when (e is not OperationCanceledException)
    {
        report.Error(benchmark, e);
        return false;
    }
}
