using System.Diagnostics;

namespace Ferry.Bench;

/// <summary>PostgreSQL's native logical replication (publication on the source, subscription in one target database).</summary>
internal sealed class Native(BenchEnv env, string targetDatabase)
{
    private const string Pub = "bench_pub";
    private const string Sub = "bench_sub";
    private bool _subscribed;

    public string TargetConnection => env.TargetSuper(targetDatabase);

    /// <summary>Publishes the tables and subscribes (first call) or refreshes the subscription; returns when each is ready.</summary>
    public async Task AddTablesAsync(IReadOnlyList<string> tables, CancellationToken ct)
    {
        var list = string.Join(", ", tables);
        if (!_subscribed)
        {
            await Db.ExecAsync(env.SourceSuper, $"CREATE PUBLICATION {Pub} FOR TABLE {list}", ct);
            await Db.ExecAsync(TargetConnection,
                $"CREATE SUBSCRIPTION {Sub} CONNECTION '{Db.Libpq(env.SourceSuper)}' PUBLICATION {Pub}", ct);
            _subscribed = true;
        }
        else
        {
            await Db.ExecAsync(env.SourceSuper, $"ALTER PUBLICATION {Pub} ADD TABLE {list}", ct);
            await Db.ExecAsync(TargetConnection, $"ALTER SUBSCRIPTION {Sub} REFRESH PUBLICATION", ct);
        }
    }

    /// <summary>Drops the tables from the publication and refreshes the subscription (their sync state goes with them).</summary>
    public async Task RemoveTablesAsync(IReadOnlyList<string> tables, CancellationToken ct)
    {
        await Db.ExecAsync(env.SourceSuper, $"ALTER PUBLICATION {Pub} DROP TABLE {string.Join(", ", tables)}", ct);
        await Db.ExecAsync(TargetConnection, $"ALTER SUBSCRIPTION {Sub} REFRESH PUBLICATION", ct);
    }

    /// <summary>Waits until every table's subscription state is r (ready).</summary>
    public async Task WaitReadyAsync(IReadOnlyList<string> tables, TimeSpan timeout, CancellationToken ct)
    {
        var regs = string.Join(", ", tables.Select(t => $"'{t}'::regclass"));
        await Db.WaitAsync("native subscription tables to reach state r", async () =>
            await Db.ScalarAsync<long>(TargetConnection,
                $"SELECT count(*) FROM pg_subscription_rel WHERE srsubstate = 'r' AND srrelid IN ({regs})", ct) == tables.Count,
            timeout, ct);
    }

    public async Task DisableAsync(CancellationToken ct)
    {
        await Db.ExecAsync(TargetConnection, $"ALTER SUBSCRIPTION {Sub} DISABLE", ct);
        await Db.WaitAsync("the native apply worker to stop", async () =>
            await Db.ScalarAsync<long>(TargetConnection,
                $"SELECT count(*) FROM pg_stat_subscription WHERE subname = '{Sub}' AND pid IS NOT NULL", ct) == 0,
            TimeSpan.FromSeconds(60), ct);
    }

    public Task EnableAsync(CancellationToken ct) => Db.ExecAsync(TargetConnection, $"ALTER SUBSCRIPTION {Sub} ENABLE", ct);

    public async Task DropAsync()
    {
        if (!_subscribed)
        {
            return;
        }
        try
        {
            await Db.ExecAsync(TargetConnection, $"DROP SUBSCRIPTION IF EXISTS {Sub}", CancellationToken.None);
        }
        catch (Npgsql.NpgsqlException e)
        {
            Console.WriteLine($"  (could not drop the native subscription: {e.Message})");
        }
    }

    public static Stopwatch Watch() => Stopwatch.StartNew();
}
