using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Errors.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ferry.Engine.Errors;

/// <summary>
/// Reads the error history (role <see cref="FerryRoles.Viewer"/>; row data only for <see cref="FerryRoles.Operator"/> and up)
/// and prunes closed groups after <see cref="ErrorsOptions.KeepClosed"/> (docs/decisions/ADR-017-error-history.md).
/// </summary>
public sealed class ErrorHistory(
    IDbContextFactory<ControlDbContext> contexts, IOptions<ErrorsOptions> options, TimeProvider time, ILogger<ErrorHistory> logger)
{
    /// <summary>The groups of a subscription (of one of its tables when <paramref name="tableRuleId"/> is given), newest first.</summary>
    public async Task<IReadOnlyList<ErrorGroupInfo>> GroupsAsync(
        ClaimsPrincipal user, int subscriptionId, int? tableRuleId, bool openOnly, int limit, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        var seesData = FerryRoles.Allows(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var groups = context.ErrorGroups.AsNoTracking().Where(g => g.SubscriptionId == subscriptionId);
        if (tableRuleId is { } table)
        {
            groups = groups.Where(g => g.TableRuleId == table);
        }
        if (openOnly)
        {
            groups = groups.Where(g => g.ClosedAt == null);
        }
        var rows = await groups.OrderByDescending(g => g.LastSeen).Take(Math.Clamp(limit, 1, 1000))
            .Select(g => new
            {
                Group = g,
                Latest = g.Occurrences.OrderByDescending(o => o.At).ThenByDescending(o => o.Id)
                    .Select(o => seesData ? o.Message : o.ServerMessage).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => Info(r.Group, r.Latest))];
    }

    /// <summary>One group.</summary>
    /// <exception cref="EntityNotFoundException">There is no such group.</exception>
    public async Task<ErrorGroupInfo> GroupAsync(ClaimsPrincipal user, long groupId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        var seesData = FerryRoles.Allows(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var row = await context.ErrorGroups.AsNoTracking().Where(g => g.Id == groupId)
            .Select(g => new
            {
                Group = g,
                Latest = g.Occurrences.OrderByDescending(o => o.At).ThenByDescending(o => o.Id)
                    .Select(o => seesData ? o.Message : o.ServerMessage).FirstOrDefault(),
            })
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false) ?? throw NoGroup(groupId);
        return Info(row.Group, row.Latest);
    }

    /// <summary>The occurrences a group keeps, newest first; row data only for roles that may see data.</summary>
    /// <exception cref="EntityNotFoundException">There is no such group.</exception>
    public async Task<IReadOnlyList<ErrorOccurrenceInfo>> OccurrencesAsync(
        ClaimsPrincipal user, long groupId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        var seesData = FerryRoles.Allows(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        if (!await context.ErrorGroups.AnyAsync(g => g.Id == groupId, cancellationToken).ConfigureAwait(false))
        {
            throw NoGroup(groupId);
        }
        var rows = await context.ErrorOccurrences.AsNoTracking().Where(o => o.GroupId == groupId)
            .OrderByDescending(o => o.At).ThenByDescending(o => o.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(o => new ErrorOccurrenceInfo(
            o.Id, o.At, o.TickId, seesData ? o.Message : o.ServerMessage, seesData ? o.Detail : null, o.Ending, o.EventId, o.Operation,
            seesData ? o.Key : null, seesData ? o.Row : null))];
    }

    /// <summary>Deletes the groups closed longer than <see cref="ErrorsOptions.KeepClosed"/> ago; returns how many.</summary>
    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var keep = options.Value.KeepClosed;
        var cutoff = time.GetUtcNow() - keep;
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var pruned = await context.ErrorGroups.Where(g => g.ClosedAt != null && g.ClosedAt < cutoff)
            .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        if (pruned > 0)
        {
            logger.Pruned(pruned, keep);
        }
        return pruned;
    }

    internal static EntityNotFoundException NoGroup(long id) => new($"There is no error group with id {id}.");

    private static ErrorGroupInfo Info(ErrorGroup g, string? message) => new(
        g.Id, g.SubscriptionId, g.TableRuleId, g.SourceTable, g.SqlState, g.Cause, g.Transient, g.Status.ToString(), g.Count, g.FirstSeen,
        g.LastSeen, g.ClosedAt, g.Resolution, message);
}
