using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Ferry.Bench;

/// <summary>
/// Ferry as its users run it: the portal process (<see cref="PortalProcess"/>) with one set on the source seed database and
/// one subscription to its own target database, driven over <c>/api</c> (add and remove tables, pause, resume). Table
/// states are read from the portal's control database (what its Tables page shows), every 25 ms, without loading the
/// portal with status requests.
/// </summary>
internal sealed class PortalReplicator(PortalProcess portal, string sourceConnection, string targetConnection) : IReplicator
{
    // The apply loop's advisory lock in the control database (Engine/Replication/Internal/LoopLock.cs: "frap", subscription id).
    private const int ApplyLockClass = 0x66726170;
    private readonly Dictionary<string, int> _tableIds = new(StringComparer.Ordinal);
    private int _subscription;
    private int _set;

    public string Name => "Ferry";
    public string TargetConnection => targetConnection;
    public RssProbe? Rss => portal.Rss;

    /// <summary>Nodes for the source and the target, a set on the source, a subscription of the target.</summary>
    public async Task SetUpAsync(CancellationToken ct)
    {
        var source = await portal.CreateNodeAsync("source", sourceConnection, ct);
        var target = await portal.CreateNodeAsync("target", targetConnection, ct);
        var set = await portal.PostAsync("/api/sets", new { name = "bench", rootNodeId = source }, ct);
        _set = set.GetProperty("id").GetInt32();
        var subscription = await portal.PostAsync($"/api/sets/{_set}/subscriptions", new { targetNodeId = target }, ct);
        _subscription = subscription.GetProperty("id").GetInt32();
    }

    /// <summary>Another subscription of the same set, to another target database (the fan-out benchmark).</summary>
    public async Task<PortalReplicator> SubscribeAnotherAsync(string nodeName, string target, CancellationToken ct)
    {
        var node = await portal.CreateNodeAsync(nodeName, target, ct);
        var subscription = await portal.PostAsync($"/api/sets/{_set}/subscriptions", new { targetNodeId = node }, ct);
        return new PortalReplicator(portal, sourceConnection, target) { _set = _set, _subscription = subscription.GetProperty("id").GetInt32() };
    }

    public async Task AddAsync(IReadOnlyList<string> tables, CancellationToken ct)
    {
        foreach (var t in tables)
        {
            var table = await portal.PostAsync($"/api/subscriptions/{_subscription}/tables", new { source = t }, ct);
            _tableIds[t] = table.GetProperty("id").GetInt32();
        }
    }

    public async Task<string?> WaitOkAsync(IReadOnlyList<string> tables, Stopwatch since, TimeSpan timeout, CancellationToken ct)
    {
        var parts = new List<string>();
        await using var c = new NpgsqlConnection(portal.ControlConnection);
        await c.OpenAsync(ct);
        foreach (var t in tables)
        {
            var seen = new List<(string State, TimeSpan Start)>();
            await using var command = new NpgsqlCommand("SELECT state, last_error FROM ferry.table_rules WHERE id = $1", c)
            {
                Parameters = { new NpgsqlParameter { Value = _tableIds[t] } },
            };
            await command.PrepareAsync(ct);
            await Db.WaitAsync($"Ferry table {t} to reach Ok (portal log: {portal.LogFile})", async () =>
            {
                string state;
                string? error;
                await using (var r = await command.ExecuteReaderAsync(ct))
                {
                    if (!await r.ReadAsync(ct))
                    {
                        throw new BenchException($"Ferry's table {t} (id {_tableIds[t]}) is gone from the control database.");
                    }
                    state = r.GetString(0);
                    error = r.IsDBNull(1) ? null : r.GetString(1);
                }
                if (seen.Count == 0 || seen[^1].State != state)
                {
                    seen.Add((state, since.Elapsed));
                }
                if (state == "Error")
                {
                    throw new BenchException($"Ferry put {t} in state Error: {error}");
                }
                return state == "Ok";
            }, timeout, ct, pollMs: 25);
            parts.Add(string.Join(", ", seen.Zip(seen.Skip(1))
                .Select(p => $"{p.First.State} {(p.Second.Start - p.First.Start).TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s")));
        }
        return "time per state: " + string.Join("; ", parts);
    }

    /// <summary>
    /// Removes the tables over the API and empties them on the target. The runner rereads its rules every control poll
    /// (Replication:ControlPollInterval, 1 s by default): the next add waits two of those, so that it is not mistaken for the
    /// table just removed.
    /// </summary>
    public async Task RemoveAsync(IReadOnlyList<string> tables, CancellationToken ct)
    {
        foreach (var t in tables)
        {
            await portal.DeleteAsync($"/api/subscriptions/{_subscription}/tables/{_tableIds[t]}", ct);
            _tableIds.Remove(t);
        }
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        await Db.ExecAsync(TargetConnection, $"TRUNCATE {string.Join(", ", tables)}", ct);
    }

    /// <summary>Pauses the subscription and waits until its runner has let go of its lock (it stops within a control poll).</summary>
    public async Task StopApplyAsync(CancellationToken ct)
    {
        await portal.PostAsync($"/api/subscriptions/{_subscription}/pause", null, ct);
        await Db.WaitAsync("Ferry's apply loop to stop after the pause", async () =>
            await Db.ScalarAsync<bool>(portal.ControlConnection,
                "SELECT NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted " +
                $"AND classid = {ApplyLockClass}::int::oid AND objid = {_subscription}::int::oid AND objsubid = 2)", ct),
            TimeSpan.FromMinutes(2), ct, pollMs: 50);
    }

    public Task StartApplyAsync(CancellationToken ct) => portal.PostAsync($"/api/subscriptions/{_subscription}/resume", null, ct);
}
