using Npgsql;

namespace Ferry.Engine.Rules;

/// <summary>
/// Refuses a table rule that would write a target table other sets already write unless the rules merge safely: every rule
/// says which target rows it owns, the new rule owns every row its source copies, and no row is owned twice
/// (docs/decisions/ADR-021-merge.md).
/// </summary>
/// <remarks>
/// Whether two conditions can both hold is not decidable in general; Ferry checks the rows there are: the new rule's source
/// rows (inside its filter) against every other rule's condition, and the target's rows against both. Conditions of the same
/// text overlap by definition. Everything runs READ ONLY under a statement timeout; nothing is changed.
/// </remarks>
public static class MergeCheck
{
    /// <summary>Longest time one check may scan a table.</summary>
    public static readonly TimeSpan ScanTimeout = TimeSpan.FromMinutes(10);

    /// <exception cref="TableRuleException">The rule cannot join the merge; the message says what to fix.</exception>
    public static async Task CheckAsync(
        NpgsqlDataSource source, NpgsqlDataSource target, TableRule rule, IReadOnlyList<MergeMember> others,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(others);
        if (others.Count > 0 && rule.OwnedRows is null)
        {
            throw new TableRuleException(
                $"The target table {rule.Target} is already written by set(s) {Sets(others)} on this node. To merge this source into it, "
                + "say which target rows this rule owns (owned rows, for example hashtext(userid::text) & 3 = 1), or choose another "
                + "target table.");
        }
        if (others.FirstOrDefault(o => o.OwnedRows is null) is { } whole)
        {
            throw new TableRuleException(
                $"The target table {rule.Target} is written by set '{whole.SetName}', whose rule owns the whole table. Remove that "
                + "table from its subscription and add it again with its owned rows, then add this one.");
        }
        if (rule.OwnedRows is null)
        {
            return;
        }
        if (others.FirstOrDefault(o => string.Equals(Normal(o.OwnedRows!), Normal(rule.OwnedRows), StringComparison.Ordinal)) is { } same)
        {
            throw Overlap(rule, same, "they are the same condition");
        }
        await CheckSourceAsync(source, rule, others, cancellationToken).ConfigureAwait(false);
        if (others.Count > 0)
        {
            await CheckTargetAsync(target, rule, others, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task CheckSourceAsync(
        NpgsqlDataSource source, TableRule rule, IReadOnlyList<MergeMember> others, CancellationToken cancellationToken)
    {
        var alias = FilterSql.RowAlias(rule.Source);
        var where = rule.Filter is null ? "" : " WHERE " + FilterSql.Parenthesized(rule.Filter);
        var outside = $"(SELECT {alias}::text FROM {rule.Source.Quoted} AS {alias}{where}"
            + $"{(where.Length == 0 ? " WHERE" : " AND")} {FilterSql.Parenthesized(rule.OwnedRows!)} IS NOT TRUE LIMIT 1)";
        var shared = others.Select(o =>
            $"(SELECT {alias}::text FROM {rule.Source.Quoted} AS {alias}{where}"
            + $"{(where.Length == 0 ? " WHERE" : " AND")} {FilterSql.Parenthesized(o.OwnedRows!)} LIMIT 1)");
        var rows = await ReadAsync(source, $"SELECT {string.Join(", ", shared.Prepend(outside))}", "the source", cancellationToken)
            .ConfigureAwait(false);
        if (rows[0] is { } row)
        {
            throw new TableRuleException(
                $"The source table {rule.Source} has rows outside the owned rows of this merge rule, such as {row}: a copy would "
                + "write rows this rule does not own. Fix the owned rows (or the row filter) so they hold for every row of this source.");
        }
        for (var i = 0; i < others.Count; i++)
        {
            if (rows[i + 1] is { } sharedRow)
            {
                throw Overlap(rule, others[i], $"the source row {sharedRow} satisfies both");
            }
        }
    }

    private static async Task CheckTargetAsync(
        NpgsqlDataSource target, TableRule rule, IReadOnlyList<MergeMember> others, CancellationToken cancellationToken)
    {
        var alias = FilterSql.RowAlias(rule.Source);
        var shared = others.Select(o =>
            $"(SELECT {alias}::text FROM {rule.Target.Quoted} AS {alias} WHERE {FilterSql.Parenthesized(rule.OwnedRows!)} "
            + $"AND {FilterSql.Parenthesized(o.OwnedRows!)} LIMIT 1)");
        var rows = await ReadAsync(target, "SELECT " + string.Join(", ", shared), "the target", cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < others.Count; i++)
        {
            if (rows[i] is { } row)
            {
                throw Overlap(rule, others[i], $"the target row {row} satisfies both");
            }
        }
    }

    private static async Task<string?[]> ReadAsync(NpgsqlDataSource data, string sql, string where, CancellationToken cancellationToken)
    {
        await using var connection = await data.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await FilterSql.ReadOnlyAsync(connection, transaction, ScanTimeout, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var values = new string?[reader.FieldCount];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
            }
            return values;
        }
        catch (PostgresException e)
        {
            throw new TableRuleException(
                $"Ferry could not check the merge's owned rows on {where} ({e.MessageText}): each rule's owned rows must work on "
                + "every source of the merge and on the target; give the tables the same columns and types.", e);
        }
    }

    private static TableRuleException Overlap(TableRule rule, MergeMember other, string why) => new(
        $"The owned rows of this merge rule ({rule.OwnedRows}) overlap those of set '{other.SetName}' ({other.OwnedRows}): {why}. "
        + "Each target row must belong to exactly one source: write conditions that exclude each other, such as "
        + "hashtext(userid::text) & 3 = 0, = 1, = 2 and = 3.");

    private static string Sets(IEnumerable<MergeMember> members) =>
        string.Join(", ", members.Select(m => "'" + m.SetName + "'").Distinct());

    private static string Normal(string condition) =>
        string.Join(' ', condition.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
