using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status.Internal;
using Microsoft.EntityFrameworkCore;
using static Ferry.Engine.Replication.Internal.InfoMapping;
using static Ferry.Engine.Replication.Internal.Refusals;

namespace Ferry.Engine.Replication.Status;

/// <summary>
/// Read models of replication for the portal and <c>/api</c> (role Viewer): per subscription its state, lag and pending
/// events from the root's queue, the last tick it finished, and its tables with state, copy progress and last error (as
/// the apply loop mirrors them into the control database).
/// </summary>
/// <remarks>
/// <see cref="GetStatusAsync"/> and <see cref="GetSubscriptionAsync"/> return every table; pages that refresh often use
/// <see cref="GetSummariesAsync"/> (tables counted per state in SQL, only the failing ones read) and
/// <see cref="GetTablesPageAsync"/> (one sorted, filtered page), whose cost does not grow with a subscription's tables.
/// </remarks>
public sealed class ReplicationStatusQuery(IDbContextFactory<ControlDbContext> contexts, NodeDataSources nodes)
{
    private readonly RootLags _lags = new(nodes);

    /// <summary>Failing tables a <see cref="SubscriptionSummary"/> lists at most (it counts all of them).</summary>
    public const int ErrorTablesShown = 10;

    /// <summary>Every subscription; each root is asked once for the lags of all its consumers.</summary>
    public async Task<IReadOnlyList<SubscriptionStatus>> GetStatusAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        return await ReadAsync(null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One subscription.</summary>
    public async Task<SubscriptionStatus> GetSubscriptionAsync(
        ClaimsPrincipal user, int subscriptionId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        return (await ReadAsync(subscriptionId, cancellationToken).ConfigureAwait(false)).SingleOrDefault()
            ?? throw NoSubscription(subscriptionId);
    }

    /// <summary>
    /// Every subscription for the dashboard: live figures as <see cref="GetStatusAsync"/>, tables counted per state (one
    /// GROUP BY) and only the failing tables read; each root is asked once for the lags of all its consumers.
    /// </summary>
    public async Task<IReadOnlyList<SubscriptionSummary>> GetSummariesAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        return await SummarizeAsync(null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One subscription's summary.</summary>
    public async Task<SubscriptionSummary> GetSummaryAsync(ClaimsPrincipal user, int subscriptionId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        return (await SummarizeAsync(subscriptionId, cancellationToken).ConfigureAwait(false)).SingleOrDefault()
            ?? throw NoSubscription(subscriptionId);
    }

    /// <summary>
    /// One page of a subscription's tables, searched, filtered, sorted and cut in SQL (a count and a page: two statements,
    /// at most <see cref="TableQuery.PageSize"/> rows).
    /// </summary>
    public async Task<TablePage> GetTablesPageAsync(
        ClaimsPrincipal user, int subscriptionId, TableQuery query, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        ArgumentNullException.ThrowIfNull(query);
        if (query.Page < 0 || query.PageSize < 1 || query.PageSize > TableQuery.MaxPageSize)
        {
            throw new ReplicationRefusedException(
                $"Page {query.Page} of {query.PageSize} tables cannot be read: pages start at 0 and hold 1 to {TableQuery.MaxPageSize} tables.");
        }
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false); // one connection for both statements
        var tables = TableQueries.Filter(context.TableRules.AsNoTracking().Where(t => t.SubscriptionId == subscriptionId), query);
        var total = await tables.CountAsync(cancellationToken).ConfigureAwait(false);
        if (total == 0 && !await context.Subscriptions.AnyAsync(s => s.Id == subscriptionId, cancellationToken).ConfigureAwait(false))
        {
            throw NoSubscription(subscriptionId);
        }
        var page = total <= query.Page * query.PageSize
            ? []
            : await TableQueries.Sort(tables, query.Sort ?? []).Skip(query.Page * query.PageSize).Take(query.PageSize)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
        return new TablePage([.. page.Select(Info)], total);
    }

    /// <summary>The sets.</summary>
    public async Task<IReadOnlyList<SetInfo>> GetSetsAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await context.Sets.AsNoTracking().OrderBy(s => s.Name)
            .Select(s => new SetInfo(s.Id, s.Name, s.RootNodeId, s.QueueName))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<SubscriptionStatus>> ReadAsync(int? only, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscriptions = await context.Subscriptions.AsNoTracking()
            .Where(s => only == null || s.Id == only)
            .Include(s => s.Set).ThenInclude(s => s!.RootNode)
            .Include(s => s.TargetNode)
            .Include(s => s.Tables)
            .Include(s => s.Sequences)
            .AsSplitQuery()
            .OrderBy(s => s.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var lags = await _lags.ReadAsync(subscriptions, cancellationToken).ConfigureAwait(false);
        return [.. subscriptions.Select(s =>
        {
            var (lag, error) = RootLags.Of(lags, s);
            return new SubscriptionStatus(
                s.Id, s.SetId, s.Set!.Name, s.TargetNodeId, s.TargetNode!.Name, s.ConsumerName, s.State.ToString(), s.LastError,
                lag?.Lag.TotalSeconds, lag?.PendingEvents, lag?.LastTickId, lag?.LastTickTime, error,
                [.. s.Tables.OrderBy(t => t.SourceSchema).ThenBy(t => t.SourceTable).Select(Info)],
                [.. s.Sequences.OrderBy(q => q.SourceSchema).ThenBy(q => q.SourceSequence).Select(Info)]);
        })];
    }

    private async Task<List<SubscriptionSummary>> SummarizeAsync(int? only, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false); // one connection for every statement
        var subscriptions = await context.Subscriptions.AsNoTracking()
            .Where(s => only == null || s.Id == only)
            .Include(s => s.Set).ThenInclude(s => s!.RootNode)
            .Include(s => s.TargetNode)
            .Include(s => s.Sequences)
            .AsSplitQuery()
            .OrderBy(s => s.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        // One GROUP BY for the counts, and only the failing tables (at most ErrorTablesShown per subscription).
        var counts = (await context.TableRules
                .Where(t => only == null || t.SubscriptionId == only)
                .GroupBy(t => new { t.SubscriptionId, t.State })
                .Select(g => new
                {
                    g.Key.SubscriptionId, g.Key.State, Count = g.Count(), Errors = g.Count(t => t.LastError != null),
                    Differing = g.Count(t => t.Differs == true),
                })
                .ToListAsync(cancellationToken).ConfigureAwait(false))
            .ToLookup(c => c.SubscriptionId);
        var failing = (await context.Subscriptions
                .Where(s => only == null || s.Id == only)
                .SelectMany(s => s.Tables.Where(t => t.LastError != null)
                    .OrderBy(t => t.SourceSchema).ThenBy(t => t.SourceTable).ThenBy(t => t.Id).Take(ErrorTablesShown))
                .OrderBy(t => t.SubscriptionId).ThenBy(t => t.SourceSchema).ThenBy(t => t.SourceTable).ThenBy(t => t.Id)
                .AsNoTracking()
                .ToListAsync(cancellationToken).ConfigureAwait(false))
            .ToLookup(t => t.SubscriptionId);
        await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        var lags = await _lags.ReadAsync(subscriptions, cancellationToken).ConfigureAwait(false);
        return [.. subscriptions.Select(s =>
        {
            var (lag, error) = RootLags.Of(lags, s);
            var byState = counts[s.Id].ToList();
            return new SubscriptionSummary(
                s.Id, s.SetId, s.Set!.Name, s.TargetNodeId, s.TargetNode!.Name, s.ConsumerName, s.State.ToString(), s.LastError,
                lag?.Lag.TotalSeconds, lag?.PendingEvents, lag?.LastTickId, lag?.LastTickTime, error,
                byState.Sum(c => c.Count), byState.ToDictionary(c => c.State.ToString(), c => c.Count, StringComparer.Ordinal),
                byState.Sum(c => c.Errors),
                [.. failing[s.Id].Select(Info)], // in the database's order (its collation)
                [.. s.Sequences.OrderBy(q => q.SourceSchema).ThenBy(q => q.SourceSequence).Select(Info)],
                byState.Sum(c => c.Differing));
        })];
    }
}
