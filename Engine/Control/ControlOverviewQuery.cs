using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Control;

/// <summary>Reads the <see cref="ControlOverview"/> from the control database.</summary>
public sealed class ControlOverviewQuery(IDbContextFactory<ControlDbContext> contexts)
{
    public async Task<ControlOverview> GetAsync(CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var nodes = await context.Nodes.AsNoTracking().OrderBy(n => n.Name)
            .Select(n => new NodeStatus(n.Id, n.Name, n.Host + ":" + n.Port + "/" + n.Database, n.ServerVersion, n.LastProbedAt, n.LastProbeError))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var sets = await context.Sets.CountAsync(cancellationToken).ConfigureAwait(false);
        var subscriptions = await context.Subscriptions.GroupBy(s => s.State)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken).ConfigureAwait(false);
        var tables = await context.TableRules.GroupBy(t => t.State)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken).ConfigureAwait(false);
        var schedules = await context.Schedules.CountAsync(cancellationToken).ConfigureAwait(false);
        return new ControlOverview(
            nodes.Count, nodes.Count(n => n.LastProbeError is not null), sets, subscriptions, tables, schedules, nodes);
    }
}
