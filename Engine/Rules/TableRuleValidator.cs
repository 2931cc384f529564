using System.Text;
using Ferry.Engine.Rules.Internal;
using Ferry.Engine.Sql;
using Npgsql;

namespace Ferry.Engine.Rules;

/// <summary>
/// Checks a <see cref="TableRuleRequest"/> against the source and target databases and turns it into a
/// <see cref="TableRule"/>, or refuses it with a <see cref="TableRuleException"/> that says what to fix.
/// </summary>
/// <remarks>
/// Everything is read first; the only change it may make is creating a missing target table (when asked), and that
/// happens last, in one target transaction, after every check has passed (bad input changes nothing: docs/architecture.md).
/// </remarks>
public static class TableRuleValidator
{
    /// <summary>Validates the request; creates the target table when asked and missing.</summary>
    public static async Task<TableRule> ValidateAsync(
        NpgsqlDataSource source, NpgsqlDataSource target, TableRuleRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(request);
        var targetName = request.Target ?? request.Source;
        var filter = string.IsNullOrWhiteSpace(request.Filter) ? null : request.Filter.Trim();
        var owned = string.IsNullOrWhiteSpace(request.OwnedRows) ? null : request.OwnedRows.Trim();
        (request.TargetSchemas ?? new TargetSchemas("", null)).Check(targetName);

        await using var sourceConnection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var described = await TableCatalog.DescribeAsync(sourceConnection, request.Source, cancellationToken).ConfigureAwait(false)
            ?? throw new TableRuleException(
                $"The source has no table {request.Source}: check the schema and table name (both are case-sensitive).");
        if (described.Kind is not ('r' or 'p'))
        {
            throw new TableRuleException(
                $"The source's {request.Source} is not a table (relkind '{described.Kind}'): only tables replicate.");
        }
        var columns = described.Columns.Where(c => !c.Generated).Select(c => c.Definition).ToList();
        if (columns.Count == 0)
        {
            throw new TableRuleException($"The source table {request.Source} has no columns to replicate.");
        }
        var key = ChooseKey(request, described);
        if (filter is not null
            && await FilterCheck.ProblemAsync(sourceConnection, request.Source, FilterSql.RowAlias(request.Source), described, filter,
                cancellationToken).ConfigureAwait(false)
                is { } problem)
        {
            throw new TableRuleException(
                $"The row filter for {request.Source} is not valid: {problem}. Write a boolean expression over the table's columns, "
                + "such as userid % 2 = 0.");
        }
        // The owned rows are judged on the source too: the copy checks each source row against them
        // (docs/decisions/ADR-021-merge.md).
        if (owned is not null
            && await FilterCheck.ProblemAsync(sourceConnection, request.Source, FilterSql.RowAlias(request.Source), described, owned,
                cancellationToken).ConfigureAwait(false)
                is { } ownedProblem)
        {
            throw new TableRuleException(
                $"The owned rows of the merge for {request.Source} are not valid on the source: {ownedProblem}. Write a boolean "
                + "expression over the table's columns, such as hashtext(userid::text) & 3 = 1.");
        }

        var rule = new TableRule(described.Text, request.Source, targetName, columns, key, filter, OwnedRows: owned);
        await using var targetConnection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var existing = await TableCatalog.DescribeAsync(targetConnection, targetName, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            if (!request.CreateTarget)
            {
                throw new TableRuleException(
                    $"The target has no table {targetName}: create it with the source's columns and key, or ask Ferry to create it.");
            }
            await CreateTargetAsync(targetConnection, rule, cancellationToken).ConfigureAwait(false);
            return rule;
        }
        if (request.TargetShape)
        {
            var there = existing.Columns.Select(c => c.Definition.Name).ToHashSet(StringComparer.Ordinal);
            if (rule.Columns.Any(c => !there.Contains(c.Name)) && rule.Key.All(there.Contains))
            {
                rule = rule with { Columns = [.. rule.Columns.Where(c => there.Contains(c.Name))] };
            }
        }
        CheckTarget(rule, existing);
        if (filter is not null
            && await FilterCheck.ProblemAsync(targetConnection, targetName, FilterSql.RowAlias(request.Source), existing, filter,
                cancellationToken).ConfigureAwait(false)
                is { } targetProblem)
        {
            throw new TableRuleException(
                $"The row filter does not work on the target table {targetName} ({targetProblem}); Ferry needs it there to remove "
                + "the filtered rows on copy and truncate: give the target the same columns and types as the source.");
        }
        if (owned is not null
            && await FilterCheck.ProblemAsync(targetConnection, targetName, FilterSql.RowAlias(request.Source), existing, owned,
                cancellationToken).ConfigureAwait(false)
                is { } ownedTargetProblem)
        {
            throw new TableRuleException(
                $"The owned rows of the merge do not work on the target table {targetName} ({ownedTargetProblem}); Ferry runs them "
                + "there to remove only this source's rows on copy and truncate: give the target the same columns and types as "
                + "the source.");
        }
        return rule;
    }

    private static List<string> ChooseKey(TableRuleRequest request, TableDescription table)
    {
        if (request.KeyIndex is { } name)
        {
            var index = table.Indexes.FirstOrDefault(i => i.Name == name)
                ?? throw new TableRuleException(
                    $"The source table {request.Source} has no index named \"{name}\": name one of its unique indexes, or leave the "
                    + "key empty to use the primary key.");
            if (!index.Usable)
            {
                throw new TableRuleException(
                    $"The index \"{name}\" of {request.Source} cannot be the key: a key index must be unique, not deferrable, and "
                    + "have neither a WHERE clause nor expressions.");
            }
            var nullable = index.Columns.Where(c => table.Columns.Any(t => t.Definition.Name == c && !t.Definition.NotNull)).ToList();
            if (nullable.Count > 0)
            {
                throw new TableRuleException(
                    $"The index \"{name}\" of {request.Source} cannot be the key: column(s) {List(nullable)} allow NULL. "
                    + "Declare them NOT NULL or choose another index.");
            }
            return [.. index.Columns];
        }
        var primary = table.Indexes.FirstOrDefault(i => i.Primary);
        if (primary is not null)
        {
            return [.. primary.Columns];
        }
        if (request.KeylessAllowed)
        {
            return [];
        }
        var candidates = table.Indexes
            .Where(i => i.Usable && i.Columns.All(c => table.Columns.Any(t => t.Definition.Name == c && t.Definition.NotNull)))
            .Select(i => "\"" + i.Name + "\"")
            .ToList();
        throw new TableRuleException(candidates.Count == 0
            ? $"The source table {request.Source} has no primary key and no unique index over NOT NULL columns, so its rows "
              + "cannot be identified: add a primary key to it (or leave it out of replication). If rows are only ever inserted "
              + "into it (a log table), choose the handler append, which needs no key."
            : $"The source table {request.Source} has no primary key: add one, or choose one of its unique indexes as the key: "
              + string.Join(", ", candidates) + ". If rows are only ever inserted into it, the handler append needs no key.");
    }

    private static void CheckTarget(TableRule rule, TableDescription target)
    {
        var problems = new List<string>();
        var byName = target.Columns.ToDictionary(c => c.Definition.Name, StringComparer.Ordinal);
        var missing = rule.Columns.Where(c => !byName.ContainsKey(c.Name)).Select(c => c.Name).ToList();
        if (missing.Count > 0)
        {
            problems.Add($"it lacks the source column(s) {List(missing)}: add them");
        }
        foreach (var column in rule.Columns)
        {
            if (byName.TryGetValue(column.Name, out var other))
            {
                if (other.Generated)
                {
                    problems.Add($"its column \"{column.Name}\" is generated and cannot receive values");
                }
                else if (other.Definition.TypeName != column.TypeName)
                {
                    problems.Add($"its column \"{column.Name}\" is {other.Definition.Type} where the source has {column.Type}: "
                        + "make the types equal");
                }
                else if (TypeFit.SilentLoss(column.Type, other.Definition.Type) is { } loss)
                {
                    problems.Add($"its column \"{column.Name}\" is {other.Definition.Type} where the source has {column.Type}, and {loss}: "
                        + $"make it {column.Type}");
                }
            }
        }
        var unfilled = target.Columns
            .Where(c => c.Definition.NotNull && !c.HasDefault && rule.Columns.All(s => s.Name != c.Definition.Name))
            .Select(c => c.Definition.Name)
            .ToList();
        if (unfilled.Count > 0)
        {
            problems.Add($"its column(s) {List(unfilled)} are NOT NULL without a default and not on the source: add a default or "
                + "drop NOT NULL");
        }
        var keySet = rule.Key.ToHashSet(StringComparer.Ordinal);
        if (keySet.Count > 0 && !target.Indexes.Any(i => i.Usable && i.Columns.Count == keySet.Count && i.Columns.All(keySet.Contains)))
        {
            problems.Add($"it has no primary key or unique index on exactly the key ({List(rule.Key)}) of the source: give it the "
                + "same key");
        }
        if (problems.Count > 0)
        {
            throw new TableRuleException($"The target table {rule.Target} does not fit the source table {rule.Source}: "
                + string.Join("; ", problems) + ".");
        }
    }

    private static async Task CreateTargetAsync(NpgsqlConnection connection, TableRule rule, CancellationToken cancellationToken)
    {
        await using (var schema = new NpgsqlCommand("SELECT 1 FROM pg_namespace WHERE nspname = $1", connection))
        {
            schema.Parameters.Add(new NpgsqlParameter { Value = rule.Target.Schema });
            if (await schema.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                throw new TableRuleException(
                    $"The target has no schema {Identifiers.Quote(rule.Target.Schema)} for the new table {rule.Target}: create it first.");
            }
        }
        // A keyless rule (a handler that only inserts) gets a table without a key, as the source has.
        var parts = rule.Columns.Select(c => "\n" + Identifiers.Quote(c.Name) + " " + c.Type + (c.NotNull ? " NOT NULL" : "")).ToList();
        if (rule.Key.Count > 0)
        {
            parts.Add("\nPRIMARY KEY (" + string.Join(", ", rule.Key.Select(Identifiers.Quote)) + ")");
        }
        var sql = new StringBuilder($"CREATE TABLE {rule.Target.Quoted} (").Append(string.Join(",", parts)).Append(')');

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var create = new NpgsqlCommand(sql.ToString(), connection, transaction))
        {
            try
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e)
            {
                throw new TableRuleException($"Ferry could not create the target table {rule.Target}: {e.MessageText}. "
                    + "Create it yourself with the source's columns and key.", e);
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string List(IEnumerable<string> names) => string.Join(", ", names.Select(n => "\"" + n + "\""));
}
