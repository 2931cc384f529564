using System.Security.Claims;
using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Replication.Throughput;

/// <summary>
/// Events applied per second over the last hour, per subscription (role Viewer): for the dashboard's chart and
/// <c>GET /api/status/throughput</c>. Reads only the control database (<see cref="ThroughputBucket"/>s the runners write).
/// </summary>
public sealed class ThroughputQuery(IDbContextFactory<ControlDbContext> contexts, TimeProvider time)
{
    /// <summary>Points of a series: one per <see cref="ThroughputBucket.Width"/>, the last one the bucket under way.</summary>
    public static readonly int Points = (int)(TimeSpan.FromHours(1) / ThroughputBucket.Width);

    /// <summary>Every subscription's last hour (ordered by id), or only <paramref name="subscriptionId"/>'s.</summary>
    /// <exception cref="ReplicationRefusedException">There is no subscription <paramref name="subscriptionId"/>.</exception>
    public async Task<IReadOnlyList<SubscriptionThroughput>> GetLastHourAsync(
        ClaimsPrincipal user, int? subscriptionId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        var now = time.GetUtcNow();
        var current = ThroughputBucket.StartOf(now);
        var from = current - ((Points - 1) * ThroughputBucket.Width);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var ids = await context.Subscriptions.AsNoTracking()
            .Where(s => subscriptionId == null || s.Id == subscriptionId)
            .OrderBy(s => s.Id).Select(s => s.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (subscriptionId is { } only && ids.Count == 0)
        {
            throw ReplicationRefusedException.NotFound($"There is no subscription {only}: it may have been dropped.");
        }
        var buckets = (await context.ThroughputBuckets.AsNoTracking()
                .Where(b => b.BucketStart >= from && b.BucketStart <= current
                    && (subscriptionId == null || b.SubscriptionId == subscriptionId))
                .ToListAsync(cancellationToken).ConfigureAwait(false))
            .ToDictionary(b => (b.SubscriptionId, b.BucketStart.UtcTicks), b => b.Events);
        return [.. ids.Select(id => new SubscriptionThroughput(id, (int)ThroughputBucket.Width.TotalSeconds,
            [.. Enumerable.Range(0, Points).Select(i => Point(from + (i * ThroughputBucket.Width), id))]))];

        ThroughputPoint Point(DateTimeOffset start, int id)
        {
            var events = buckets.GetValueOrDefault((id, start.UtcTicks));
            // The bucket under way holds only the seconds elapsed so far: its rate divides by those, not by the whole minute.
            var seconds = start == current
                ? Math.Clamp((now - current).TotalSeconds, 1, ThroughputBucket.Width.TotalSeconds)
                : ThroughputBucket.Width.TotalSeconds;
            return new ThroughputPoint(start, events, Math.Round(events / seconds, 2));
        }
    }
}
