using System.Diagnostics;
using System.Globalization;

namespace Ferry.Bench;

/// <summary>One replication tool under test, applying the source seed database to its own target database.</summary>
internal interface IReplicator
{
    string Name { get; }
    string TargetConnection { get; }

    /// <summary>Starts replicating the tables (initial copy included); returns without waiting for the copy.</summary>
    Task AddAsync(IReadOnlyList<string> tables, CancellationToken ct);

    /// <summary>Waits until every table is in sync (ok / r); returns an optional breakdown for the report.</summary>
    Task<string?> WaitOkAsync(IReadOnlyList<string> tables, Stopwatch since, TimeSpan timeout, CancellationToken ct);

    /// <summary>Stops replicating the tables and empties them on the target (before the next round adds them again).</summary>
    Task RemoveAsync(IReadOnlyList<string> tables, CancellationToken ct);

    Task StopApplyAsync(CancellationToken ct);
    Task StartApplyAsync(CancellationToken ct);

    /// <summary>The Ferry process whose memory is reported beside the figures; null for the other tools.</summary>
    RssProbe? Rss => null;
}

internal sealed class LondisteReplicator(BenchEnv env, Londiste londiste) : IReplicator
{
    private readonly HashSet<string> _rootTables = [];

    public string Name => "Londiste 3";
    public string TargetConnection => londiste.LeafConnection;

    public async Task AddAsync(IReadOnlyList<string> tables, CancellationToken ct)
    {
        var missing = tables.Where(t => !_rootTables.Contains(t)).ToList();
        if (missing.Count > 0)
        {
            await londiste.AddRootTablesAsync(missing, ct);
            _rootTables.UnionWith(missing);
        }
        await londiste.AddLeafTablesAsync(tables, ct);
    }

    public async Task<string?> WaitOkAsync(IReadOnlyList<string> tables, Stopwatch since, TimeSpan timeout, CancellationToken ct)
    {
        var parts = new List<string>();
        foreach (var t in tables)
        {
            var states = await londiste.WaitOkAsync(t, since, timeout, ct);
            parts.Add(string.Join(", ", states.Select(s => $"{s.State} {s.Time.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s")));
        }
        _ = env;
        return "time per merge_state: " + string.Join("; ", parts);
    }

    public async Task RemoveAsync(IReadOnlyList<string> tables, CancellationToken ct)
    {
        await londiste.RemoveLeafTablesAsync(tables, ct);
        await Db.ExecAsync(TargetConnection, $"TRUNCATE {string.Join(", ", tables)}", ct);
    }

    public Task StopApplyAsync(CancellationToken ct)
    {
        londiste.StopLeafWorker();
        return Task.CompletedTask;
    }

    public Task StartApplyAsync(CancellationToken ct)
    {
        londiste.StartLeafWorker();
        return Task.CompletedTask;
    }
}

internal sealed class NativeReplicator(Native native) : IReplicator
{
    public string Name => "native logical replication";
    public string TargetConnection => native.TargetConnection;

    public Task AddAsync(IReadOnlyList<string> tables, CancellationToken ct) => native.AddTablesAsync(tables, ct);

    public async Task<string?> WaitOkAsync(IReadOnlyList<string> tables, Stopwatch since, TimeSpan timeout, CancellationToken ct)
    {
        await native.WaitReadyAsync(tables, timeout, ct);
        return null;
    }

    public async Task RemoveAsync(IReadOnlyList<string> tables, CancellationToken ct)
    {
        await native.RemoveTablesAsync(tables, ct);
        await Db.ExecAsync(TargetConnection, $"TRUNCATE {string.Join(", ", tables)}", ct);
    }

    public Task StopApplyAsync(CancellationToken ct) => native.DisableAsync(ct);
    public Task StartApplyAsync(CancellationToken ct) => native.EnableAsync(ct);
}
