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
cts.CancelAfter(options.Quick ? TimeSpan.FromMinutes(10) : TimeSpan.FromMinutes(60));
var ct = cts.Token;
var report = new Report();
Console.WriteLine($"Ferry benchmarks ({(options.Quick ? "quick" : "full")}): {string.Join(", ", options.Only)}; " +
                  $"load average {report.LoadAtStart}; work folder {options.WorkDirectory}");

var replication = options.Only.Overlaps(["copy", "catchup", "lag"]);
try
{
    await using var env = await BenchEnv.StartAsync(options, report, ct);
    Native? native = null;
    IFerryReplication? ferry = null;
    try
    {
        if (options.Only.Contains("tables1000"))
        {
            Step("1,000 tables in one subscription (issue 5)");
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
            Step("replication setup: target databases, Londiste leaf, pgqd and workers");
            var pipeTarget = await env.SeedTargetAsync("pipe_01", ct);
            await env.SeedTargetAsync("londiste_01", ct);
            var nativeTarget = await env.SeedTargetAsync("native_01", ct);
            await londiste.CreateLeafAsync(ct);
            londiste.StartDaemons();
            report.Note(londiste.TickerNote);
            var lr = new LondisteReplicator(env, londiste);
            native = new Native(env, "native_01");
            _ = nativeTarget;
            var tools = new List<IReplicator> { lr, new NativeReplicator(native) };
            var ferryTarget = await env.SeedTargetAsync("ferry_01", ct);
            ferry = FerryPlugs.CreateReplication(env.SourceSuper, ferryTarget, londisteTicker: !options.LondisteDefaults);
            if (ferry is not null)
            {
                try
                {
                    await ferry.SetUpAsync(ct);
                    tools.Add(new FerryReplicator(ferry, ferryTarget));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    report.Error("Ferry replication setup", e);
                    await ferry.DisposeAsync();
                    ferry = null;
                }
            }
            var bench = new ReplicationBench(env, report, tools);
            var ferryMissing = ferry is null;
            if (options.Only.Contains("copy"))
            {
                Step("initial copy");
                await Guard(report, "initial copy (issue 4)", () => bench.CopyAsync(pipeTarget, ferryMissing, ct));
            }
            if (options.Only.Overlaps(["catchup", "lag"]))
            {
                Step("adding user_session and the marker table to every tool");
                var ready = await Guard(report, "stream setup", () => bench.PrepareStreamAsync(ct));
                if (ready && options.Only.Contains("catchup"))
                {
                    Step("catch-up");
                    await Guard(report, "catch-up (issue 4)", () => bench.CatchUpAsync(ferryMissing, ct));
                }
                if (ready && options.Only.Contains("lag"))
                {
                    Step("lag");
                    await Guard(report, "lag (issue 4)", () => bench.LagAsync(ferryMissing, ct));
                }
            }
            if (report.HasErrors)
            {
                Console.WriteLine(londiste.LogTail());
            }
        }
    }
    finally
    {
        Step("stopping daemons and clusters");
        if (ferry is not null)
        {
            await ferry.DisposeAsync();
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
