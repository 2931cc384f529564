using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Replication.Compare;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Schedules;
using Ferry.Engine.Target;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Replication;

/// <summary>
/// What a scheduled resync runs, for one table or for every table of a subscription, acting as the schedule (an Operator
/// named after it), so the audit trail says which schedule did it: a table that is ok is resynced in place, never emptied
/// (<see cref="InPlaceResync"/>, docs/decisions/ADR-018-compare-portal-and-resync-in-place.md); any other is copied again
/// (<see cref="TableRuleService.ResyncTableAsync"/>).
/// </summary>
public sealed class ReplicationResyncRunner(TableRuleService replication, InPlaceResync inPlace, IDbContextFactory<ControlDbContext> contexts)
    : IResyncRunner
{
    public async Task ResyncTableAsync(int tableRuleId, string requestedBy, CancellationToken cancellationToken)
    {
        int subscriptionId;
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            subscriptionId = await context.TableRules.Where(t => t.Id == tableRuleId).Select(t => (int?)t.SubscriptionId)
                .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new EntityNotFoundException($"Table rule {tableRuleId} no longer exists: delete or edit the schedule.");
        }
        await ResyncAsync(Schedule(requestedBy), subscriptionId, tableRuleId, cancellationToken).ConfigureAwait(false);
    }

    public async Task ResyncSubscriptionAsync(int subscriptionId, string requestedBy, CancellationToken cancellationToken)
    {
        List<int> tables;
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await context.Subscriptions.AnyAsync(s => s.Id == subscriptionId, cancellationToken).ConfigureAwait(false))
            {
                throw new EntityNotFoundException($"Subscription {subscriptionId} no longer exists: delete or edit the schedule.");
            }
            tables = await context.TableRules.Where(t => t.SubscriptionId == subscriptionId).OrderBy(t => t.Id).Select(t => t.Id)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
        }
        var user = Schedule(requestedBy);
        foreach (var table in tables)
        {
            await ResyncAsync(user, subscriptionId, table, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ResyncAsync(ClaimsPrincipal user, int subscriptionId, int tableId, CancellationToken cancellationToken)
    {
        TableState? state;
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            state = await context.TableRules.Where(t => t.Id == tableId).Select(t => (TableState?)t.State).SingleOrDefaultAsync(cancellationToken)
                .ConfigureAwait(false);
        }
        if (state == TableState.Ok)
        {
            await inPlace.ResyncAsync(user, subscriptionId, tableId, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await replication.ResyncTableAsync(user, subscriptionId, tableId, cancellationToken).ConfigureAwait(false);
        }
    }

    private static ClaimsPrincipal Schedule(string name) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, FerryRoles.Operator)], "schedule"));
}
