using System.Diagnostics;
using System.Globalization;

namespace Ferry.Bench;

/// <summary>
/// Londiste 3 (Debian's python3-londiste, pgqd, PgQ 3.5) between the source seed database (root) and one target database
/// (leaf). Ticker settings are tightened the same way for every run so that Londiste's figures are not dominated by
/// its default once-a-minute idle ticks; see <see cref="TickerNote"/>.
/// </summary>
internal sealed class Londiste(BenchEnv env, string leafDatabase)
{
    public const string Queue = "bench";
    public string TickerNote => env.Options.LondisteDefaults ? DefaultsNote : TightNote;

    private const string DefaultsNote =
        "Londiste 3 ran with its default ticker settings (--londiste-defaults): pgqd ticker_period=1 s, ticker_max_count=500, " +
        "ticker_max_lag=3 s, ticker_idle_period=60 s, worker loop_delay=1 s. Table state changes wait for ticks.";

    private const string TightNote =
        "Londiste 3 ran with tightened ticker settings (Ferry's queue gets the same max lag and idle period): pgqd ticker_period=0.2 s, queue ticker_max_lag=0.25 s, " +
        "ticker_idle_period=1 s, ticker_max_count=500 (default), worker loop_delay=0.2 s. Defaults (max_lag 3 s, idle 60 s, " +
        "loop_delay 1 s) make table state changes wait for ticks for up to a minute.";

    private readonly string _dir = Path.Combine(env.WorkDirectory, "londiste");
    private Process? _pgqd;
    private Process? _rootWorker;
    private Process? _leafWorker;

    public string RootIni => Path.Combine(_dir, "root.ini");
    public string LeafIni => Path.Combine(_dir, "leaf.ini");
    public string RootLibpq => Db.Libpq(env.SourceSuper);
    public string LeafLibpq => Db.Libpq(env.TargetSuper(leafDatabase));
    public string LeafConnection => env.TargetSuper(leafDatabase);
    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(3);

    /// <summary>create-root on the source: installs PgQ, pgq_node and londiste; lets the app role write events.</summary>
    public async Task CreateRootAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(_dir);
        await File.WriteAllTextAsync(RootIni, Ini("root", RootLibpq), ct);
        await Cli(RootIni, ["create-root", "root_node", RootLibpq], ct);
        await Db.ExecAsync(env.SourceSuper, $"GRANT pgq_writer TO {BenchEnv.AppRole}", ct);
        if (!env.Options.LondisteDefaults)
        {
            await Db.ExecAsync(env.SourceSuper, $"""
                SELECT pgq.set_queue_config('{Queue}', 'ticker_max_lag', '250 milliseconds');
                SELECT pgq.set_queue_config('{Queue}', 'ticker_idle_period', '1 second');
                """, ct);
        }
    }

    /// <summary>Adds tables on the root only: creates the capture triggers (logutriga) without any subscriber.</summary>
    public Task AddRootTablesAsync(IEnumerable<string> tables, CancellationToken ct) => Cli(RootIni, ["add-table", .. tables], ct);

    public async Task CreateLeafAsync(CancellationToken ct)
    {
        // Close a tick first: the leaf registers at the newest tick, so events captured earlier (the capture benchmark's
        // millions) are not in its first batch. Otherwise its first batch would read them all before the copy starts.
        await Db.ExecEachAsync(env.SourceSuper, ct, $"SELECT pgq.force_tick('{Queue}')", $"SELECT pgq.ticker('{Queue}')");
        await File.WriteAllTextAsync(LeafIni, Ini("leaf", LeafLibpq), ct);
        await Cli(LeafIni, ["create-leaf", "leaf_node", LeafLibpq, "--provider=" + RootLibpq], ct);
    }

    public Task AddLeafTablesAsync(IEnumerable<string> tables, CancellationToken ct) => Cli(LeafIni, ["add-table", .. tables], ct);

    public Task RemoveLeafTablesAsync(IEnumerable<string> tables, CancellationToken ct) => Cli(LeafIni, ["remove-table", .. tables], ct);

    public void StartDaemons()
    {
        var pgqdIni = Path.Combine(_dir, "pgqd.ini");
        var src = new Npgsql.NpgsqlConnectionStringBuilder(env.SourceSuper);
        File.WriteAllText(pgqdIni, $"""
            [pgqd]
            base_connstr = host=127.0.0.1 port={src.Port} user=postgres
            database_list = {BenchEnv.SourceDb}
            logfile = {_dir}/pgqd.log
            pidfile = {_dir}/pgqd.pid
            ticker_period = {(env.Options.LondisteDefaults ? "1" : "0.2")}
            check_period = 10
            retry_period = 5
            maint_period = 10

            """);
        _pgqd ??= Proc.Start("pgqd", [pgqdIni], Path.Combine(_dir, "pgqd.out"));
        _rootWorker ??= Proc.Start("londiste", [RootIni, "worker"], Path.Combine(_dir, "root.out"));
        StartLeafWorker();
    }

    public void StartLeafWorker() =>
        _leafWorker ??= Proc.Start("londiste", [LeafIni, "worker"], Path.Combine(_dir, "leaf.out"));

    /// <summary>Kills the leaf worker (and a running copy process): the subscriber stops applying, the root keeps capturing.</summary>
    public void StopLeafWorker()
    {
        if (_leafWorker is not null)
        {
            Proc.Stop(_leafWorker);
            _leafWorker = null;
        }
        foreach (var pidFile in Directory.EnumerateFiles(_dir, "leaf.pid*"))
        {
            Proc.KillPidFile(pidFile);
            File.Delete(pidFile);
        }
    }

    /// <summary>The leaf's merge_state of one table (null = not yet registered, "ok" = in sync).</summary>
    public async Task<string?> StateAsync(string table, CancellationToken ct)
    {
        try
        {
            var rows = await Db.ColumnAsync(LeafConnection,
                $"SELECT coalesce(merge_state, 'new') FROM londiste.get_table_list('{Queue}') WHERE table_name = '{table}' AND local",
                ct);
            return rows.Count == 0 ? null : rows[0];
        }
        catch (Npgsql.PostgresException)
        {
            return null;
        }
    }

    /// <summary>
    /// Waits until the table is ok on the leaf and returns the time spent in each merge_state seen (polling every 20 ms).
    /// </summary>
    public async Task<List<(string State, TimeSpan Time)>> WaitOkAsync(string table, Stopwatch since, TimeSpan timeout, CancellationToken ct)
    {
        var seen = new List<(string State, TimeSpan Start)>();
        await Db.WaitAsync($"Londiste table {table} to reach ok (see {_dir}/*.log)", async () =>
        {
            var state = await StateAsync(table, ct) ?? "unregistered";
            if (seen.Count == 0 || seen[^1].State != state)
            {
                seen.Add((state, since.Elapsed));
            }
            return state == "ok";
        }, timeout, ct);
        var result = new List<(string, TimeSpan)>();
        for (var i = 0; i < seen.Count - 1; i++)
        {
            result.Add((seen[i].State, seen[i + 1].Start - seen[i].Start));
        }
        return result;
    }

    public string LogTail() =>
        string.Join("\n", Directory.EnumerateFiles(_dir, "*.log").Select(f => $"--- {f}\n" + ProcResult.Tail(File.ReadAllText(f), 8)));

    private string Ini(string name, string db) => string.Create(CultureInfo.InvariantCulture, $"""
        [londiste]
        job_name = bench_{name}
        db = {db}
        queue_name = {Queue}
        logfile = {_dir}/{name}.log
        pidfile = {_dir}/{name}.pid
        loop_delay = {(env.Options.LondisteDefaults ? "1.0" : "0.2")}
        parallel_copies = 1

        """);

    private async Task Cli(string ini, string[] args, CancellationToken ct) =>
        (await Proc.RunAsync("londiste", [ini, .. args], CliTimeout, ct)).Check($"londiste {Path.GetFileName(ini)} {string.Join(' ', args)}");
}
