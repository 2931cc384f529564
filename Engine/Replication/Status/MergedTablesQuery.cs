using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Rules;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Replication.Status;

/// <summary>
/// The merges (role Viewer): every target table that table rules of more than one subscription write, or that a rule with
/// owned rows writes, once, with its sources (docs/decisions/ADR-021-merge.md).
/// </summary>
public sealed class MergedTablesQuery(IDbContextFactory<ControlDbContext> contexts)
{
    public async Task<IReadOnlyList<MergedTable>> GetAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var rows = await context.TableRules.AsNoTracking()
            .Select(t => new
            {
                t.Subscription!.TargetNodeId,
                NodeName = t.Subscription.TargetNode!.Name,
                t.TargetSchema,
                t.TargetTable,
                SetName = t.Subscription.Set!.Name,
                t.SubscriptionId,
                t.Id,
                t.SourceSchema,
                t.SourceTable,
                t.OwnedRows,
                t.State,
                t.LastError,
            })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows
            .GroupBy(r => (r.TargetNodeId, r.NodeName, r.TargetSchema, r.TargetTable))
            .Where(g => g.Count() > 1 || g.Any(r => r.OwnedRows is not null))
            .OrderBy(g => g.Key.NodeName, StringComparer.Ordinal).ThenBy(g => g.Key.TargetSchema, StringComparer.Ordinal)
            .ThenBy(g => g.Key.TargetTable, StringComparer.Ordinal)
            .Select(g => new MergedTable(g.Key.TargetNodeId, g.Key.NodeName, new TableName(g.Key.TargetSchema, g.Key.TargetTable).Quoted,
                [.. g.OrderBy(r => r.SetName, StringComparer.Ordinal).Select(r => new MergeSource(r.SetName, r.SubscriptionId, r.Id,
                    new TableName(r.SourceSchema, r.SourceTable).Quoted, r.OwnedRows, r.State.ToString(), r.LastError))]))];
    }
}
