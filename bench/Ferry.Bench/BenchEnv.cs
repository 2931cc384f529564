using Ferry.Engine.Demo;
using Ferry.Engine.LocalServer;

namespace Ferry.Bench;

/// <summary>
/// The throwaway PostgreSQL 15 clusters of one benchmark invocation (source, target, and control for Ferry's control
/// databases), the seed databases, and the work folder for ini, log and pid files. Everything is removed on dispose.
/// </summary>
/// <remarks>
/// Every cluster runs at PostgreSQL's default durability (fsync, synchronous_commit and full_page_writes on): native
/// logical replication sends only flushed WAL, so <c>synchronous_commit=off</c> on the source would bound its lag below by
/// the WAL writer's delay (issue 15). Where a benchmark departs from the defaults it does so per session and says so in
/// <see cref="Report.Settings"/>.
/// </remarks>
internal sealed class BenchEnv : IAsyncDisposable
{
    public const string Schema = "digoal_01";
    public const string AppRole = "digoal_01";
    public const string AppPassword = "bench";
    public const string SourceDb = "digoal_01";

    private BenchEnv(Options options, LocalCluster source, LocalCluster target, LocalCluster control)
    {
        Options = options;
        Source = source;
        Target = target;
        Control = control;
    }

    public Options Options { get; }
    public LocalCluster Source { get; }
    public LocalCluster Target { get; }

    /// <summary>The cluster of Ferry's control databases (the portal's, and tables1000's), with pg_stat_statements.</summary>
    public LocalCluster Control { get; }
    public string WorkDirectory => Options.WorkDirectory;
    public string PgBin => "/usr/lib/postgresql/15/bin";

    /// <summary>Superuser connection to the source seed database.</summary>
    public string SourceSuper => Db.With(Source.ConnectionString(SourceDb));

    /// <summary>The application role's connection to the source seed database.</summary>
    public string SourceApp => Db.With(Source.ConnectionString(SourceDb), user: AppRole, password: AppPassword);

    public string TargetSuper(string database) => Db.With(Target.ConnectionString(database));

    /// <summary>Session setting that the capture benchmark and the backlog's writers use (see <see cref="Report.Settings"/>).</summary>
    public const string NoFlushWait = "-c synchronous_commit=off";

    /// <summary>The application role's connection to the source, its commits not waiting for the WAL flush.</summary>
    public string SourceAppNoFlushWait => new Npgsql.NpgsqlConnectionStringBuilder(SourceApp) { Options = NoFlushWait }.ConnectionString;

    public static async Task<BenchEnv> StartAsync(Options options, Report report, CancellationToken ct)
    {
        Directory.CreateDirectory(options.WorkDirectory);
        File.SetUnixFileMode(options.WorkDirectory, (UnixFileMode)0b111_101_101);
        var pg15 = PostgresBinaries.Require(15);
        var settings = new Dictionary<string, string>
        {
            ["wal_level"] = "logical",
            ["shared_buffers"] = "'256MB'",
            ["max_wal_size"] = "'4GB'",
            ["checkpoint_timeout"] = "'15min'",
            ["max_replication_slots"] = "20",
            ["max_wal_senders"] = "20",
            ["max_logical_replication_workers"] = "8",
            ["log_min_messages"] = "warning",
        };
        var controlSettings = new Dictionary<string, string>
        {
            ["shared_preload_libraries"] = "'pg_stat_statements'",
            ["pg_stat_statements.track"] = "all",
            ["log_min_messages"] = "warning",
        };
        LocalClusterOptions Make(string name, Dictionary<string, string> with) => new()
        {
            DataDirectory = Path.Combine(options.WorkDirectory, name),
            Installation = pg15,
            Temporary = true,
            Unsafe = false, // PostgreSQL's default durability: see the remarks
            Settings = with,
        };
        var started = new List<LocalCluster>();
        try
        {
            started.Add(await LocalCluster.StartAsync(Make("source", settings), ct));
            started.Add(await LocalCluster.StartAsync(Make("target", settings), ct));
            started.Add(await LocalCluster.StartAsync(Make("control", controlSettings), ct));
        }
        catch
        {
            foreach (var c in started)
            {
                await c.DisposeAsync();
            }
            throw;
        }
        var (source, target, control) = (started[0], started[1], started[2]);
        report.Environment["PostgreSQL"] = $"{pg15.Version} (Debian), source on 127.0.0.1:{source.Port}, target on 127.0.0.1:{target.Port}, " +
                                           $"control on 127.0.0.1:{control.Port}";
        report.Environment["cluster settings"] = "PostgreSQL's default durability on every cluster (fsync=on, synchronous_commit=on, " +
                                                 "full_page_writes=on); shared_buffers=256MB, max_wal_size=4GB, checkpoint_timeout=15min, " +
                                                 "wal_level=logical; departures per benchmark under \"PostgreSQL settings per benchmark\"";
        report.Environment["commit"] = System.Environment.GetEnvironmentVariable("FERRY_BENCH_COMMIT") ?? "unknown";
        report.Environment["Ferry"] = $"capture {Found(FerryPlugs.HasCapture)}, ticker and batch reader {Found(FerryPlugs.HasQueueReader)}; " +
                                      "replication through the portal (Portal/bin/Release, default settings, driven over /api); " +
                                      "tables1000 through TableRuleService and the runners in the benchmark's own process";
        report.Environment["machine"] = $"{System.Environment.ProcessorCount} cores, {System.Environment.MachineName}";
        return new BenchEnv(options, source, target, control);
    }

    private static string Found(bool found) => found ? "found" : "not found yet (variants skipped)";

    /// <summary>Creates the source seed database with <paramref name="users"/> users, plus the benchmark's marker and empty tables.</summary>
    public async Task SeedSourceAsync(int users, CancellationToken ct)
    {
        await SeedScenario.CreateSourceAsync(Source.ConnectionString(), SourceDb, AppRole, AppPassword, users, ct);
        await Db.ExecAsync(SourceApp, ExtraTables, ct);
        await Db.ExecAsync(SourceApp, "ANALYZE", ct);
    }

    /// <summary>Creates one target database (the seed's user tables, marker and empty tables) owned by the app role.</summary>
    public async Task<string> SeedTargetAsync(string database, CancellationToken ct)
    {
        var app = await SeedScenario.CreateTargetAsync(Target.ConnectionString(), database, AppRole, AppPassword, allTables: false, ct);
        await Db.ExecAsync(Db.With(app), ExtraTables, ct);
        return TargetSuper(database);
    }

    /// <summary>
    /// bench_marker: one row whose seq the lag and catch-up benchmarks bump on the source and watch on the target;
    /// bench_empty: the empty table whose time to ok is measured.
    /// </summary>
    private const string ExtraTables = """
        CREATE TABLE digoal_01.bench_marker (id int PRIMARY KEY, seq bigint NOT NULL, ts timestamptz);
        CREATE TABLE digoal_01.bench_empty (id int PRIMARY KEY, v text);
        """;

    public async Task InsertMarkerRowAsync(CancellationToken ct) =>
        await Db.ExecAsync(SourceApp, "INSERT INTO digoal_01.bench_marker VALUES (1, 0, now()) ON CONFLICT DO NOTHING", ct);

    public async ValueTask DisposeAsync()
    {
        Proc.KillAll(WorkDirectory);
        await Control.DisposeAsync();
        await Target.DisposeAsync();
        await Source.DisposeAsync();
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // leave it
        }
    }
}
