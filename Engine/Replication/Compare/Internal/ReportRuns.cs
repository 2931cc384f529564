using Ferry.Engine.Control;
using Ferry.Engine.Replication.Internal;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ferry.Engine.Replication.Compare.Internal;

/// <summary>
/// Who runs a report (a compare or a repair, docs/decisions/ADR-018-compare-portal-and-resync-in-place.md): the run holds a
/// session advisory lock in the control database keyed by the report (<see cref="LoopLock.CompareClass"/>), as the loops do
/// (docs/decisions/ADR-008-shared-key-ring-and-loop-takeover.md), so a report whose process died is seen at once, not after
/// hours: its lock is free.
/// </summary>
internal static class ReportRuns
{
    public const string Lost = "The process that ran this report stopped before it finished: start it again.";

    /// <summary>Claims a report for this process; null when another session runs it.</summary>
    public static async Task<LoopLock?> ClaimAsync(ControlDbContext context, int reportId, TimeProvider time, CancellationToken cancellationToken) =>
        await LoopLock.TryAcquireAsync(context.Database.GetConnectionString()!, LoopLock.CompareClass, reportId, TimeSpan.Zero, time,
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The tables of a subscription with a report that runs now: Running and claimed by a live session, or not yet claimed and
    /// younger than <paramref name="unclaimedTimeout"/>. Every other Running report is marked Failed (its process died).
    /// </summary>
    public static async Task<HashSet<int>> BusyTablesAsync(
        ControlDbContext context, int subscriptionId, TimeSpan unclaimedTimeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var running = await context.CompareReports.AsNoTracking()
            .Where(r => r.SubscriptionId == subscriptionId && r.State == CompareState.Running)
            .Select(r => new { r.Id, r.TableRuleId, r.StartedAt }).ToListAsync(cancellationToken).ConfigureAwait(false);
        var busy = new HashSet<int>();
        if (running.Count == 0)
        {
            return busy;
        }
        await using var connection = new NpgsqlConnection(context.Database.GetConnectionString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        foreach (var report in running)
        {
            if (report.StartedAt > now - unclaimedTimeout
                || await LoopLock.IsHeldAsync(connection, LoopLock.CompareClass, report.Id, cancellationToken).ConfigureAwait(false))
            {
                busy.Add(report.TableRuleId);
                continue;
            }
            await context.CompareReports.Where(r => r.Id == report.Id && r.State == CompareState.Running).ExecuteUpdateAsync(u => u
                .SetProperty(r => r.State, CompareState.Failed)
                .SetProperty(r => r.Error, Lost)
                .SetProperty(r => r.FinishedAt, now), cancellationToken).ConfigureAwait(false);
        }
        return busy;
    }
}
