using System.Linq.Expressions;
using Ferry.Engine.Control;
using Ferry.Engine.Target;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Replication.Status.Internal;

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
