using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Errors;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Replication.Errors;

/// <summary>
/// What an Operator does about an error group (docs/decisions/ADR-017-error-history.md): retry now, skip the failing event
/// with a reason, or resync the table. Each goes through the one path that exists for it (<see cref="TableRuleService"/>'s
/// retry and resync, <see cref="SubscriptionService.ResumeAsync"/> for a stopped subscription), which checks the role, refuses
/// with what to fix and audits; then the group says how it ended.
/// </summary>
public sealed class ErrorActions(
    IDbContextFactory<ControlDbContext> contexts, TableRuleService tables, SubscriptionService subscriptions, ErrorHistory history,
    TimeProvider time)
{
    /// <summary>
    /// Applies the group's table again (its kept events first) or resumes its stopped subscription; the group ends as passed
    /// when the next batch applies, or counts the next failure.
    /// </summary>
    public async Task<ErrorGroupInfo> RetryAsync(ClaimsPrincipal user, long groupId, CancellationToken cancellationToken)
    {
        var group = await OpenGroupAsync(user, groupId, cancellationToken).ConfigureAwait(false);
        if (group.TableRuleId is { } table)
        {
            await tables.RetryTableAsync(user, group.SubscriptionId, table, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await subscriptions.ResumeAsync(user, group.SubscriptionId, cancellationToken).ConfigureAwait(false);
        }
        await SetAsync(groupId, ErrorStatus.RetryRequested, null, $"retried by {Name(user)}", cancellationToken).ConfigureAwait(false);
        return await history.GroupAsync(user, groupId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Leaves out exactly the failing event of the group's latest occurrence and applies the table's other kept events: the
    /// table then needs a compare. Refused when the group is not a table's permanent error with a known event.
    /// </summary>
    public async Task<ErrorGroupInfo> SkipAsync(ClaimsPrincipal user, long groupId, string? reason, CancellationToken cancellationToken)
    {
        var group = await OpenGroupAsync(user, groupId, cancellationToken).ConfigureAwait(false);
        if (group.TableRuleId is not { } table || group.Status != ErrorStatus.Failing)
        {
            throw ReplicationRefusedException.Conflict(
                $"Error group {groupId} is not a table stopped by a failing event (status {group.Status}): only such an event can be skipped.");
        }
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var eventId = await context.ErrorOccurrences.Where(o => o.GroupId == groupId)
            .OrderByDescending(o => o.At).ThenByDescending(o => o.Id).Select(o => o.EventId)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false)
            ?? throw ReplicationRefusedException.Conflict($"Error group {groupId} does not know its failing event: retry or resync the table.");
        await tables.RetryAsync(user, group.SubscriptionId, table, new EventSkip(eventId, reason ?? ""), cancellationToken)
            .ConfigureAwait(false);
        await SetAsync(groupId, ErrorStatus.Skipped, time.GetUtcNow(), $"event {eventId} skipped by {Name(user)}: {reason!.Trim()}",
            cancellationToken).ConfigureAwait(false);
        return await history.GroupAsync(user, groupId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies the group's table again (its errors are moot after the copy); the group ends as resynced.</summary>
    public async Task<ErrorGroupInfo> ResyncAsync(ClaimsPrincipal user, long groupId, CancellationToken cancellationToken)
    {
        var group = await OpenGroupAsync(user, groupId, cancellationToken).ConfigureAwait(false);
        if (group.TableRuleId is not { } table)
        {
            throw ReplicationRefusedException.Conflict($"Error group {groupId} is the subscription's, not a table's: retry it instead.");
        }
        await tables.ResyncTableAsync(user, group.SubscriptionId, table, cancellationToken).ConfigureAwait(false);
        await SetAsync(groupId, ErrorStatus.Resynced, time.GetUtcNow(), $"resynced by {Name(user)}", cancellationToken).ConfigureAwait(false);
        return await history.GroupAsync(user, groupId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ErrorGroup> OpenGroupAsync(ClaimsPrincipal user, long groupId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var group = await context.ErrorGroups.AsNoTracking().SingleOrDefaultAsync(g => g.Id == groupId, cancellationToken)
            .ConfigureAwait(false) ?? throw new EntityNotFoundException($"There is no error group with id {groupId}.");
        if (group.ClosedAt is not null)
        {
            throw ReplicationRefusedException.Conflict($"Error group {groupId} has ended ({group.Resolution}): there is nothing to do.");
        }
        return group;
    }

    private async Task SetAsync(long groupId, ErrorStatus status, DateTimeOffset? closedAt, string resolution, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await context.ErrorGroups.Where(g => g.Id == groupId).ExecuteUpdateAsync(
            s => s.SetProperty(g => g.Status, status).SetProperty(g => g.ClosedAt, closedAt).SetProperty(g => g.Resolution, resolution),
            cancellationToken).ConfigureAwait(false);
    }

    private static string Name(ClaimsPrincipal user) => user.Identity?.Name ?? "anonymous";
}
