using Ferry.Engine.Demo;
using Ferry.Engine.LocalServer;

namespace Ferry.Bench;

/// <summary>
/// The two throwaway PostgreSQL 15 clusters (source and target) of one benchmark invocation, the seed databases, and the
/// work folder for ini, log and pid files. Everything is removed on dispose.
/// </summary>
internal sealed class BenchEnv : IAsyncDisposable
{
    public const string Schema = "digoal_01";
    public const string AppRole = "digoal_01";
    public const string AppPassword = "bench";
    public const string SourceDb = "digoal_01";

    private BenchEnv(Options options, LocalCluster source, LocalCluster target)
    {
        Options = options;
        Source = source;
        Target = target;
    }

    public Options Options { get; }
    public LocalCluster Source { get; }
    public LocalCluster Target { get; }
    public string WorkDirectory => Options.WorkDirectory;
    public string PgBin => "/usr/lib/postgresql/15/bin";

    /// <summary>Superuser connection to the source seed database.</summary>
    public string SourceSuper => Db.With(Source.ConnectionString(SourceDb));

    /// <summary>The application role's connection to the source seed database.</summary>
    public string SourceApp => Db.With(Source.ConnectionString(SourceDb), user: AppRole, password: AppPassword);

    public string TargetSuper(string database) => Db.With(Target.ConnectionString(database));

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
        LocalClusterOptions Make(string name) => new()
        {
            DataDirectory = Path.Combine(options.WorkDirectory, name),
            Installation = pg15,
            Temporary = true,
            Unsafe = true,
            Settings = settings,
        };
        var source = await LocalCluster.StartAsync(Make("source"), ct);
        LocalCluster? target = null;
        try
        {
            target = await LocalCluster.StartAsync(Make("target"), ct);
        }
        finally
        {
            if (target is null)
            {
                await source.DisposeAsync();
            }
        }
        report.Environment["PostgreSQL"] = $"{pg15.Version} (Debian), source on 127.0.0.1:{source.Port}, target on 127.0.0.1:{target.Port}";
        report.Environment["cluster settings"] = "fsync=off, synchronous_commit=off, full_page_writes=off (throwaway clusters), " +
                                                 "shared_buffers=256MB, wal_level=logical";
        report.Environment["commit"] = System.Environment.GetEnvironmentVariable("FERRY_BENCH_COMMIT") ?? "unknown";
        report.Environment["Ferry engine"] = $"capture {Found(FerryPlugs.HasCapture)}, ticker and batch reader {Found(FerryPlugs.HasQueueReader)}, " +
                                             $"replication {Found(FerryPlugs.HasReplication)}";
        report.Environment["machine"] = $"{System.Environment.ProcessorCount} cores, {System.Environment.MachineName}";
        return new BenchEnv(options, source, target);
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
