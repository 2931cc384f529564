using System.Globalization;
using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Queue;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ferry.Engine.Monitoring;

/// <summary>
/// The source's load per set (role Viewer): <see cref="QueueLoadReader"/> on the set's root, joined with the subscriptions of
/// the control database, and a warning for each consumer that holds back the root's cleanup, with its fix.
/// </summary>
/// <remarks>
/// A consumer holds back cleanup when rotation is due and the oldest event table still holds events it has not finished:
/// rotation then skips the queue, and the event tables grow as long as that consumer stands still. A paused subscription, one
/// stopped on an error, an active one whose loop is not running, and a consumer registered on the root that no subscription
/// owns all do that without end; the warning says which, and how to end it (resume, fix and resume, or drop).
/// </remarks>
public sealed class SourceLoadQuery(
    IDbContextFactory<ControlDbContext> contexts, NodeDataSources nodes, QueueLoadSamples samples)
{
    /// <summary>The load of every set's root.</summary>
    public async Task<IReadOnlyList<SourceLoad>> GetAllAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        return await ReadAsync(null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The load of one set's root.</summary>
    /// <exception cref="EntityNotFoundException">There is no such set.</exception>
    public async Task<SourceLoad> GetAsync(ClaimsPrincipal user, int setId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        return (await ReadAsync(setId, cancellationToken).ConfigureAwait(false)).SingleOrDefault()
            ?? throw new EntityNotFoundException($"There is no set {setId}: it may have been dropped.");
    }

    internal async Task<List<SourceLoad>> ReadAsync(int? only, CancellationToken cancellationToken)
    {
        List<ReplicationSet> sets;
        Dictionary<int, DateTimeOffset> pausedSince;
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            sets = await context.Sets.AsNoTracking()
                .Where(s => only == null || s.Id == only)
                .Include(s => s.RootNode)
                .Include(s => s.Subscriptions).ThenInclude(s => s.TargetNode)
                .OrderBy(s => s.Name)
                .AsSplitQuery()
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            pausedSince = await PausedSinceAsync(context, sets, cancellationToken).ConfigureAwait(false);
        }
        var loads = new List<SourceLoad>();
        foreach (var set in sets)
        {
            loads.Add(await ReadSetAsync(set, pausedSince, cancellationToken).ConfigureAwait(false));
        }
        return loads;
    }

    /// <summary>When each paused subscription was paused: its last <c>pause</c> in the audit trail (or its last change).</summary>
    internal static async Task<Dictionary<int, DateTimeOffset>> PausedSinceAsync(
        ControlDbContext context, IEnumerable<ReplicationSet> sets, CancellationToken cancellationToken)
    {
        var paused = sets.SelectMany(s => s.Subscriptions).Where(s => s.State == SubscriptionState.Paused).ToList();
        if (paused.Count == 0)
        {
            return [];
        }
        var ids = paused.Select(s => s.Id.ToString(CultureInfo.InvariantCulture)).ToList();
        var audited = await context.AuditEntries.AsNoTracking()
            .Where(a => a.EntityType == nameof(Subscription) && a.Action == "pause" && ids.Contains(a.EntityId!))
            .GroupBy(a => a.EntityId)
            .Select(g => new { Id = g.Key, At = g.Max(a => a.At) })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var since = audited.ToDictionary(a => int.Parse(a.Id!, CultureInfo.InvariantCulture), a => a.At);
        foreach (var subscription in paused)
        {
            since.TryAdd(subscription.Id, subscription.UpdatedAt);
        }
        return since;
    }

    private async Task<SourceLoad> ReadSetAsync(
        ReplicationSet set, Dictionary<int, DateTimeOffset> pausedSince, CancellationToken cancellationToken)
    {
        QueueLoad load;
        try
        {
            await using var root = nodes.Open(set.RootNode!, "ferry-status");
            load = await root.ReadAsync(source => QueueLoadReader.ReadAsync(source, set.QueueName, cancellationToken), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Security.Cryptography.CryptographicException)
        {
            return new SourceLoad(set.Id, set.Name, set.RootNode!.Name, null, $"The root '{set.RootNode.Name}' did not answer: {e.Message}",
                null, null, null, [], null, null, false, null, null, null, null, 0, 0, [], []);
        }
        var rate = samples.Add(set.Id, load.ReadAt, load.EventsWritten);
        var due = load.ReadAt - load.LastRotation >= load.RotationPeriod;
        var byConsumer = set.Subscriptions.ToDictionary(s => s.ConsumerName, StringComparer.Ordinal);
        var consumers = new List<ConsumerLoad>();
        var warnings = new List<SourceLoadWarning>();
        foreach (var position in load.Consumers)
        {
            var subscription = byConsumer.GetValueOrDefault(position.Consumer);
            var holds = due && position.BlocksRotation;
            consumers.Add(new ConsumerLoad(position.Consumer, subscription?.Id, subscription?.TargetNode?.Name,
                subscription?.State.ToString(), position.Lag.TotalSeconds, position.PendingEvents, holds));
            if (holds)
            {
                warnings.Add(Warn(position, subscription, pausedSince, load));
            }
        }
        return new SourceLoad(set.Id, set.Name, set.RootNode!.Name, load.ReadAt, null, rate, load.EventsWritten, load.EventTableBytes,
            load.EventTables, load.RotationPeriod.TotalSeconds, load.LastRotation, due,
            load.EventTables.Count * load.RotationPeriod.TotalSeconds,
            load.NewestTickTime is { } newest ? Math.Max(0, (load.ReadAt - newest).TotalSeconds) : null,
            load.OldestUnconsumedTickTime is { } oldest ? Math.Max(0, (load.ReadAt - oldest).TotalSeconds) : 0,
            load.NewestTickId, load.TicksKept, load.CapturedTables, consumers, warnings);
    }

    private static SourceLoadWarning Warn(
        ConsumerPosition position, Subscription? subscription, Dictionary<int, DateTimeOffset> pausedSince, QueueLoad load)
    {
        var behind = Duration(position.Lag);
        var growing = $"The root keeps every event since its position ({position.PendingEvents:N0} events, {behind} behind) and "
            + $"cannot rotate event table {load.EventTables.FirstOrDefault(t => t.NextToRotate)?.Name}, so the event tables grow";
        if (subscription is null)
        {
            return new SourceLoadWarning(position.Consumer, null,
                $"Consumer '{position.Consumer}' is registered on the root but no subscription of Ferry uses it. {growing} without end.",
                $"Unregister it on the root (SELECT ferry.unregister_consumer('{load.Queue}', '{position.Consumer}')) if nothing else "
                + "reads this queue.");
        }
        var name = $"Subscription {subscription.Id} (to {subscription.TargetNode?.Name})";
        return subscription.State switch
        {
            SubscriptionState.Paused => new SourceLoadWarning(position.Consumer, subscription.Id,
                $"{name} is paused{(pausedSince.TryGetValue(subscription.Id, out var at) ? " since " + at.ToString("u", CultureInfo.InvariantCulture) : "")}. "
                + $"{growing} until it resumes.",
                "Resume the subscription, or drop it if that target no longer needs these tables."),
            SubscriptionState.Error => new SourceLoadWarning(position.Consumer, subscription.Id,
                $"{name} stopped on an error. {growing} until it applies again.",
                "Fix the error shown on the subscription and resume it, or drop the subscription."),
            _ => new SourceLoadWarning(position.Consumer, subscription.Id,
                $"{name} is active but has not finished a batch for {behind}. {growing} until it catches up.",
                "If its lag does not fall, check that its apply loop runs (the Jobs page) and what its log says; drop the "
                + "subscription if that target no longer needs these tables."),
        };
    }

    private static string Duration(TimeSpan span) => span.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours} h {span.Minutes} min")
        : span.TotalMinutes >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min {span.Seconds} s")
            : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0} s");
}
