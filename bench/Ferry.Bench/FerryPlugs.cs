namespace Ferry.Bench;

/// <summary>
/// The plug points where Ferry's own engine enters the benchmarks. Until the engine has the code, every member says
/// "not available" and the benchmarks print a clear skipped line for Ferry's variant. The engineers of the queue
/// (issue 3) and of replication (issue 4) fill in the bodies marked PLUG; nothing else in bench/ needs to change.
/// </summary>
internal static class FerryPlugs
{
    public const string CaptureMissing =
        "not available yet: Ferry's schema installer and ferry.enable_capture do not exist in Engine (fill in FerryPlugs.InstallSchemaAsync)";

    public const string ReplicationMissing =
        "not available yet: Ferry's sets/subscriptions/apply loop do not exist in Engine (fill in FerryPlugs.CreateReplication)";

    /// <summary>
    /// PLUG (issue 3): install or upgrade Ferry's <c>ferry</c> schema into the database of <paramref name="connectionString"/>
    /// (a superuser connection to the source seed database) and return true. Return false while the installer does not exist.
    /// Expected call once it exists, e.g. <c>await new SchemaInstaller(connectionString).InstallAsync(ct); return true;</c>.
    /// </summary>
    public static Task<bool> InstallSchemaAsync(string connectionString, CancellationToken ct)
    {
        _ = connectionString;
        _ = ct;
        return Task.FromResult(false);
    }

    /// <summary>
    /// SQL run after <see cref="InstallSchemaAsync"/> to create the queue and capture the seed's keyed tables. The harness
    /// runs it as the superuser, then grants <paramref name="appRole"/> what it needs by the optional grant function.
    /// Capture is toggled between rounds by enabling/disabling the triggers whose function lives in schema <c>ferry</c>.
    /// </summary>
    public static string EnableCaptureSql(string queue, IEnumerable<string> tables, string appRole) =>
        $"SELECT ferry.create_queue('{queue}');\n" +
        string.Concat(tables.Select(t => $"SELECT ferry.enable_capture('{queue}', '{t}'::regclass);\n")) +
        $"DO $$ BEGIN IF to_regproc('ferry.grant_writer') IS NOT NULL THEN PERFORM ferry.grant_writer('{appRole}'); END IF; END $$;\n";

    /// <summary>
    /// PLUG (issue 3): Ferry's consumer API on the source seed database (superuser connection string), for the ticker and
    /// batch-reader throughput. Return null while it does not exist. The queue is the one created by
    /// <see cref="EnableCaptureSql"/> ("bench_ferry").
    /// </summary>
    public static IFerryQueueReader? CreateQueueReader(string connectionString)
    {
        _ = connectionString;
        return null;
    }

    /// <summary>
    /// PLUG (issue 4): Ferry replicating the source seed database to one target database. Return null while the engine
    /// cannot do it. <paramref name="sourceConnectionString"/> and <paramref name="targetConnectionString"/> are superuser
    /// connections (Npgsql syntax) to the source seed database and to a prepared target database (same tables, empty).
    /// </summary>
    public static IFerryReplication? CreateReplication(string sourceConnectionString, string targetConnectionString)
    {
        _ = sourceConnectionString;
        _ = targetConnectionString;
        return null;
    }
}

/// <summary>What the queue-read benchmark needs from Ferry's consumer API (issue 3, point 5).</summary>
internal interface IFerryQueueReader : IAsyncDisposable
{
    /// <summary>Register a consumer at the queue's newest tick.</summary>
    Task RegisterConsumerAsync(string queue, string consumer, CancellationToken ct);

    /// <summary>Close a tick now (whatever the ticker's thresholds say).</summary>
    Task TickAsync(string queue, CancellationToken ct);

    /// <summary>Take the consumer's next batch, stream every event of it to the client, finish it; returns the number of events.</summary>
    Task<long> ReadNextBatchAsync(string queue, string consumer, CancellationToken ct);

    Task UnregisterConsumerAsync(string queue, string consumer, CancellationToken ct);
}

/// <summary>What the replication benchmarks need from Ferry's engine (implemented in FerryPlugs by the engine's engineers).</summary>
internal interface IFerryReplication : IAsyncDisposable
{
    /// <summary>Install on both sides, create the set (queue) and the subscription, and start its ticker and apply loop.</summary>
    Task SetUpAsync(CancellationToken ct);

    /// <summary>Add one source table (schema-qualified, same name on the target); returns at once, the copy runs in the background.</summary>
    Task AddTableAsync(string table, CancellationToken ct);

    /// <summary>The table's state: new, copying, catching-up, ok, paused or error.</summary>
    Task<string> TableStateAsync(string table, CancellationToken ct);

    /// <summary>Stop applying (capture on the source goes on), for the catch-up benchmark.</summary>
    Task PauseAsync(CancellationToken ct);

    /// <summary>Resume applying.</summary>
    Task ResumeAsync(CancellationToken ct);
}
