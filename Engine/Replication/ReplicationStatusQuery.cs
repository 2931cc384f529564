using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Queue;
using Ferry.Engine.Target;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ferry.Engine.Replication;

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
public sealed class ReplicationStatusQuery(IDbContextFactory<ControlDbContext> contexts, NodeConnections connections)
{
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
        return new TablePage([.. page.Select(ReplicationService.Info)], total);
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
        var lags = await ReadLagsAsync(subscriptions, cancellationToken).ConfigureAwait(false);
        return [.. subscriptions.Select(s =>
        {
            var (lag, error) = LagOf(lags, s);
            return new SubscriptionStatus(
                s.Id, s.SetId, s.Set!.Name, s.TargetNodeId, s.TargetNode!.Name, s.ConsumerName, s.State.ToString(), s.LastError,
                lag?.Lag.TotalSeconds, lag?.PendingEvents, lag?.LastTickId, lag?.LastTickTime, error,
                [.. s.Tables.OrderBy(t => t.SourceSchema).ThenBy(t => t.SourceTable).Select(ReplicationService.Info)],
                [.. s.Sequences.OrderBy(q => q.SourceSchema).ThenBy(q => q.SourceSequence).Select(ReplicationService.Info)]);
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
                .Select(g => new { g.Key.SubscriptionId, g.Key.State, Count = g.Count(), Errors = g.Count(t => t.LastError != null) })
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
        var lags = await ReadLagsAsync(subscriptions, cancellationToken).ConfigureAwait(false);
        return [.. subscriptions.Select(s =>
        {
            var (lag, error) = LagOf(lags, s);
            var byState = counts[s.Id].ToList();
            return new SubscriptionSummary(
                s.Id, s.SetId, s.Set!.Name, s.TargetNodeId, s.TargetNode!.Name, s.ConsumerName, s.State.ToString(), s.LastError,
                lag?.Lag.TotalSeconds, lag?.PendingEvents, lag?.LastTickId, lag?.LastTickTime, error,
                byState.Sum(c => c.Count), byState.ToDictionary(c => c.State.ToString(), c => c.Count, StringComparer.Ordinal),
                byState.Sum(c => c.Errors),
                [.. failing[s.Id].Select(ReplicationService.Info)], // in the database's order (its collation)
                [.. s.Sequences.OrderBy(q => q.SourceSchema).ThenBy(q => q.SourceSequence).Select(ReplicationService.Info)]);
        })];
    }

    /// <summary>Asks each root once for the lags of all its consumers.</summary>
    private async Task<Dictionary<int, (IReadOnlyList<ConsumerLag>? Lags, string? Error)>> ReadLagsAsync(
        IEnumerable<Subscription> subscriptions, CancellationToken cancellationToken)
    {
        var lags = new Dictionary<int, (IReadOnlyList<ConsumerLag>? Lags, string? Error)>();
        foreach (var set in subscriptions.Select(s => s.Set!).DistinctBy(s => s.Id))
        {
            try
            {
                lags[set.Id] = (await LagSources.ReadAsync(connections.ConnectionString(set.RootNode!, "ferry-status"), set.QueueName,
                    cancellationToken).ConfigureAwait(false), null);
            }
            catch (NpgsqlException e)
            {
                lags[set.Id] = (null, $"The root '{set.RootNode!.Name}' did not answer: {e.Message}");
            }
        }
        return lags;
    }

    /// <summary>The subscription's consumer among its root's lags, or why there is none.</summary>
    private static (ConsumerLag? Lag, string? Error) LagOf(
        Dictionary<int, (IReadOnlyList<ConsumerLag>? Lags, string? Error)> lags, Subscription subscription)
    {
        var (setLags, error) = lags[subscription.SetId];
        var lag = setLags?.SingleOrDefault(l => l.Consumer == subscription.ConsumerName);
        return (lag, error ?? (setLags is not null && lag is null ? "The subscription's consumer is not registered on the root." : null));
    }

    private static ReplicationRefusedException NoSubscription(int id) =>
        ReplicationRefusedException.NotFound($"There is no subscription {id}: it may have been dropped.");
}

/// <summary>
/// The roots' lag reads on data sources kept for the process, one per root connection string: the dashboard reads lags every
/// few seconds and on every change, and a new data source per read cost a new server process on the root, a log-in and
/// Npgsql's type loading each time (about 17 ms of CPU here, against 0.2 ms on a pooled connection; see
/// docs/benchmarks/2026-11-29-tables1000.md). A pooled connection that went stale (the root restarted) fails once: the data
/// source is dropped and the read tried again on a new one.
/// </summary>
internal static class LagSources
{
    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> Sources = new(StringComparer.Ordinal);

    public static async Task<IReadOnlyList<ConsumerLag>> ReadAsync(string connectionString, string queue, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var source = Sources.GetOrAdd(connectionString, Create);
            try
            {
                return await new QueueAdmin(source).GetConsumerLagsAsync(queue, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException e) when (attempt == 0 && IsConnectionLost(e) && !cancellationToken.IsCancellationRequested)
            {
                // A stale pooled connection, or the root is down: forget the data source and try once more on a new one.
                if (Sources.TryRemove(new KeyValuePair<string, NpgsqlDataSource>(connectionString, source)))
                {
                    await source.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>The connection broke (network, restart) or the server ended its session (57P01 and friends, class 08).</summary>
    private static bool IsConnectionLost(NpgsqlException e) =>
        e is not PostgresException server
        || server.SqlState.StartsWith("57P", StringComparison.Ordinal)
        || server.SqlState.StartsWith("08", StringComparison.Ordinal);

    // Idle connections close after a minute; none is kept open for a root nobody looks at.
    private static NpgsqlDataSource Create(string connectionString) => NpgsqlDataSource.Create(
        new NpgsqlConnectionStringBuilder(connectionString) { ConnectionIdleLifetime = 60, MinPoolSize = 0 }.ConnectionString);
}

/// <summary>The search, filters and sorts of <see cref="TableQuery"/> as LINQ that EF Core turns into SQL.</summary>
internal static class TableQueries
{
    private const string Escape = "\\";

    /// <summary>Lifecycle order of the states, for sorting by state.</summary>
    private static readonly Expression<Func<TableRuleRecord, int>> StateOrder = t =>
        t.State == TableState.New ? 0
        : t.State == TableState.Copying ? 1
        : t.State == TableState.CatchingUp ? 2
        : t.State == TableState.Ok ? 3
        : t.State == TableState.Paused ? 4
        : 5;

    public static IQueryable<TableRuleRecord> Filter(IQueryable<TableRuleRecord> tables, TableQuery query)
    {
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var text = query.Search.Trim();
            var pattern = "%" + EscapeLike(text) + "%";
            var states = States(TextMatch.Contains, text);
            tables = tables.Where(AnyOf(SourceLike(pattern), TargetLike(pattern), t => states.Contains(t.State)));
        }
        foreach (var filter in query.Filters ?? [])
        {
            tables = tables.Where(Predicate(filter));
        }
        return tables;
    }

    public static IQueryable<TableRuleRecord> Sort(IQueryable<TableRuleRecord> tables, IReadOnlyList<TableSort> sorts)
    {
        IOrderedQueryable<TableRuleRecord>? sorted = null;
        foreach (var sort in sorts)
        {
            sorted = sort.Column switch
            {
                TableColumn.Source => By(By(sorted, tables, t => t.SourceSchema, sort.Descending), tables, t => t.SourceTable, sort.Descending),
                TableColumn.Target => By(By(sorted, tables, t => t.TargetSchema, sort.Descending), tables, t => t.TargetTable, sort.Descending),
                TableColumn.Filter => By(sorted, tables, t => t.Filter ?? "", sort.Descending),
                TableColumn.State => By(sorted, tables, StateOrder, sort.Descending),
                TableColumn.RowsCopied => By(sorted, tables, t => t.RowsCopied, sort.Descending),
                TableColumn.LastError => By(sorted, tables, t => t.LastError ?? "", sort.Descending),
                _ => throw new ArgumentOutOfRangeException(nameof(sorts), sort.Column, "Unknown column."),
            };
        }
        // Ties (and no sort) by source name; the id keeps pages stable.
        return By(By(By(sorted, tables, t => t.SourceSchema, false), tables, t => t.SourceTable, false), tables, t => t.Id, false);
    }

    private static IOrderedQueryable<TableRuleRecord> By<TKey>(
        IOrderedQueryable<TableRuleRecord>? sorted, IQueryable<TableRuleRecord> tables, Expression<Func<TableRuleRecord, TKey>> key, bool descending) =>
        sorted is null
            ? descending ? tables.OrderByDescending(key) : tables.OrderBy(key)
            : descending ? sorted.ThenByDescending(key) : sorted.ThenBy(key);

    private static Expression<Func<TableRuleRecord, bool>> Predicate(TableFilter filter)
    {
        if (filter.Column == TableColumn.State)
        {
            var states = States(filter.Match, filter.Value ?? "");
            return t => states.Contains(t.State);
        }
        var value = filter.Value ?? "";
        var (pattern, negate) = filter.Match switch
        {
            TextMatch.Contains => ("%" + EscapeLike(value) + "%", false),
            TextMatch.NotContains => ("%" + EscapeLike(value) + "%", true),
            TextMatch.Is => (EscapeLike(value), false),
            TextMatch.IsNot => (EscapeLike(value), true),
            TextMatch.StartsWith => (EscapeLike(value) + "%", false),
            TextMatch.EndsWith => ("%" + EscapeLike(value), false),
            TextMatch.Empty => ("", false),
            TextMatch.NotEmpty => ("", true),
            _ => throw new ArgumentOutOfRangeException(nameof(filter), filter.Match, "Unknown match."),
        };
        Expression<Func<TableRuleRecord, bool>> like = filter.Column switch
        {
            TableColumn.Source => SourceLike(pattern),
            TableColumn.Target => TargetLike(pattern),
            TableColumn.Filter => t => EF.Functions.ILike((t.Filter ?? "").Trim(), pattern, Escape),
            TableColumn.LastError => t => EF.Functions.ILike((t.LastError ?? "").Trim(), pattern, Escape),
            TableColumn.RowsCopied => throw new ReplicationRefusedException("Rows copied can be sorted by, not filtered."),
            _ => throw new ArgumentOutOfRangeException(nameof(filter), filter.Column, "Unknown column."),
        };
        return negate ? Expression.Lambda<Func<TableRuleRecord, bool>>(Expression.Not(like.Body), like.Parameters) : like;
    }

    /// <summary>The source as <c>schema.table</c> or as <c>"schema"."table"</c> matches the ILIKE pattern.</summary>
    private static Expression<Func<TableRuleRecord, bool>> SourceLike(string pattern) =>
        NameLike(t => t.SourceSchema, t => t.SourceTable, pattern);

    /// <summary>The target, as <see cref="SourceLike"/>.</summary>
    private static Expression<Func<TableRuleRecord, bool>> TargetLike(string pattern) =>
        NameLike(t => t.TargetSchema, t => t.TargetTable, pattern);

    private static Expression<Func<TableRuleRecord, bool>> NameLike(
        Expression<Func<TableRuleRecord, string>> schema, Expression<Func<TableRuleRecord, string>> table, string pattern)
    {
        Expression<Func<string, string, bool>> like = (s, n) =>
            EF.Functions.ILike(s + "." + n, pattern, Escape)
            || EF.Functions.ILike("\"" + s.Replace("\"", "\"\"") + "\".\"" + n.Replace("\"", "\"\"") + "\"", pattern, Escape);
        var row = Expression.Parameter(typeof(TableRuleRecord), "t");
        var body = new Rebind(new Dictionary<ParameterExpression, Expression>
        {
            [like.Parameters[0]] = new Rebind(schema.Parameters[0], row).Visit(schema.Body),
            [like.Parameters[1]] = new Rebind(table.Parameters[0], row).Visit(table.Body),
        }).Visit(like.Body);
        return Expression.Lambda<Func<TableRuleRecord, bool>>(body, row);
    }

    /// <summary>One predicate that holds when any of <paramref name="parts"/> holds.</summary>
    private static Expression<Func<TableRuleRecord, bool>> AnyOf(params Expression<Func<TableRuleRecord, bool>>[] parts)
    {
        var row = Expression.Parameter(typeof(TableRuleRecord), "t");
        return Expression.Lambda<Func<TableRuleRecord, bool>>(
            parts.Select(p => new Rebind(p.Parameters[0], row).Visit(p.Body)).Aggregate(Expression.OrElse), row);
    }

    /// <summary>Puts expressions in place of lambda parameters, to combine lambdas into one that EF Core translates.</summary>
    private sealed class Rebind(IReadOnlyDictionary<ParameterExpression, Expression> replacements) : ExpressionVisitor
    {
        public Rebind(ParameterExpression from, Expression to)
            : this(new Dictionary<ParameterExpression, Expression> { [from] = to })
        {
        }

        protected override Expression VisitParameter(ParameterExpression node) =>
            replacements.TryGetValue(node, out var replacement) ? replacement : node;
    }

    /// <summary>The states whose name matches (case-insensitive, spaces ignored): a filter on the state is a set of states.</summary>
    private static List<TableState> States(TextMatch match, string value)
    {
        var text = value.Replace(" ", "", StringComparison.Ordinal);
        return [.. Enum.GetValues<TableState>().Where(state =>
        {
            var name = state.ToString();
            return match switch
            {
                TextMatch.Contains => name.Contains(text, StringComparison.OrdinalIgnoreCase),
                TextMatch.NotContains => !name.Contains(text, StringComparison.OrdinalIgnoreCase),
                TextMatch.Is => name.Equals(text, StringComparison.OrdinalIgnoreCase),
                TextMatch.IsNot => !name.Equals(text, StringComparison.OrdinalIgnoreCase),
                TextMatch.StartsWith => name.StartsWith(text, StringComparison.OrdinalIgnoreCase),
                TextMatch.EndsWith => name.EndsWith(text, StringComparison.OrdinalIgnoreCase),
                TextMatch.Empty => false,
                TextMatch.NotEmpty => true,
                _ => throw new ArgumentOutOfRangeException(nameof(match), match, "Unknown match."),
            };
        })];
    }

    /// <summary>The text as a LIKE pattern that matches it literally (escape character backslash).</summary>
    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
