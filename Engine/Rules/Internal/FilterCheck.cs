using System.Text.Json;
using System.Text.RegularExpressions;
using Ferry.Engine.Sql;
using Npgsql;

namespace Ferry.Engine.Rules.Internal;

/// <summary>
/// Checks that a row filter is a boolean expression over one table's columns, without running it on any row.
/// </summary>
/// <remarks>
/// The filter is planned, never executed: <c>EXPLAIN (VERBOSE, FORMAT JSON) SELECT $1 FROM tbl WHERE (filter)</c>,
/// inside a read-only transaction with a statement and lock timeout. The positional parameter puts Npgsql in raw mode,
/// so the text goes to the server as ONE extended-protocol statement: <c>true; drop table x</c> fails to parse instead
/// of running a second statement. The filter sits on lines of its own so a <c>--</c> comment cannot swallow the closing
/// parenthesis. Whatever still parses (<c>true) UNION SELECT ... (</c>, subqueries) shows up in the plan, which must be
/// a plain scan of this table (or its partitions) with no subplan.
/// <para>
/// Then the filter must be immutable: it decides the same row on the copy, on every event and on the target, so
/// <c>random()</c>, <c>now()</c> or a function that reads other tables would lose or keep rows at random. Planning does
/// not reveal volatility, so the filter becomes a stored generated column of a temporary copy of the table's columns
/// (named like the table, so <c>table.column</c> works) in a transaction that is rolled back: PostgreSQL itself refuses a
/// generation expression that is not immutable. Immutable functions cannot write either (PostgreSQL refuses data changes
/// in non-volatile functions), so a valid filter only reads the row it is given. Without the TEMP privilege on the
/// database this second check is skipped.
/// </para>
/// </remarks>
internal static partial class FilterCheck
{
    private static readonly HashSet<string> s_allowedNodes =
    [
        "Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Bitmap Index Scan", "BitmapAnd", "BitmapOr",
        "Tid Scan", "Tid Range Scan", "Result", "Append",
    ];

    /// <summary>Returns null when the filter is fine, else what is wrong with it.</summary>
    public static async Task<string?> ProblemAsync(
        NpgsqlConnection connection, TableName table, TableDescription description, string filter, CancellationToken cancellationToken)
    {
        if (ParameterReference().IsMatch(filter))
        {
            return "it refers to a query parameter ($n); write the value into the expression";
        }
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var settings = new NpgsqlCommand(
            "SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = '5s'; SET LOCAL lock_timeout = '2s'", connection, transaction))
        {
            await settings.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var relations = new HashSet<(string, string)> { (table.Schema, table.Name) };
        if (description.Kind == 'p')
        {
            await using var partitions = new NpgsqlCommand(
                "SELECT n.nspname::text, c.relname::text FROM pg_partition_tree($1) p JOIN pg_class c ON c.oid = p.relid " +
                "JOIN pg_namespace n ON n.oid = c.relnamespace", connection, transaction);
            partitions.Parameters.Add(new NpgsqlParameter { Value = description.Oid, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
            await using var reader = await partitions.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                relations.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        string plan;
        try
        {
            await using var explain = new NpgsqlCommand(
                $"EXPLAIN (VERBOSE, FORMAT JSON) SELECT $1::int FROM {Only(description)}{table.Quoted} WHERE (\n{filter}\n)",
                connection, transaction);
            explain.Parameters.Add(new NpgsqlParameter { Value = 1 });
            plan = (string)(await explain.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (PostgresException e)
        {
            return e.MessageText;
        }
        finally
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }

        using var document = JsonDocument.Parse(plan);
        var scans = 0;
        return PlanProblem(document.RootElement[0].GetProperty("Plan"), relations, description.Kind == 'p', ref scans)
            ?? await VolatilityProblemAsync(connection, table, filter, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string?> VolatilityProblemAsync(
        NpgsqlConnection connection, TableName table, string filter, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var copy = $"pg_temp.{Identifiers.Quote(table.Name)}";
            await using var check = new NpgsqlCommand(
                "SET LOCAL statement_timeout = '5s'; SET LOCAL lock_timeout = '2s';"
                + $"CREATE TEMP TABLE {copy} (LIKE {table.Quoted}) ON COMMIT DROP;"
                + $"ALTER TABLE {copy} ADD COLUMN \"ferry filter check\" boolean GENERATED ALWAYS AS ((\n{filter}\n)) STORED",
                connection, transaction);
            await check.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            return null;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidObjectDefinition)
        {
            return "it calls a function that is not immutable (such as random(), now() or one that reads other tables), so it "
                + "could decide a row differently on the copy, on later changes and on the target; use only the row's columns, "
                + "constants and immutable functions";
        }
        catch (PostgresException e)
        {
            return e.MessageText;
        }
        finally
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary><c>ONLY</c> for plain tables (inheritance children have capture of their own); none for partitioned ones.</summary>
    public static string Only(TableDescription description) => description.Kind == 'p' ? "" : "ONLY ";

    private static string? PlanProblem(JsonElement node, HashSet<(string, string)> relations, bool partitioned, ref int scans)
    {
        if (node.TryGetProperty("Subplan Name", out _) || node.TryGetProperty("Parent Relationship", out var parent)
            && parent.GetString() is "SubPlan" or "InitPlan")
        {
            return "it contains a subquery; a filter may only use the columns of its own table";
        }
        var type = node.GetProperty("Node Type").GetString() ?? "";
        if (!s_allowedNodes.Contains(type) || type == "Append" && !partitioned)
        {
            return $"it is not a plain condition on the table (its plan has a {type} step)";
        }
        if (node.TryGetProperty("Relation Name", out var relation))
        {
            var schema = node.TryGetProperty("Schema", out var s) ? s.GetString() ?? "" : "";
            if (!relations.Contains((schema, relation.GetString() ?? "")))
            {
                return $"it reads another table ({schema}.{relation.GetString()})";
            }
            if (++scans > 1 && !partitioned)
            {
                return "it reads the table more than once";
            }
        }
        if (node.TryGetProperty("Plans", out var children))
        {
            foreach (var child in children.EnumerateArray())
            {
                if (PlanProblem(child, relations, partitioned, ref scans) is { } problem)
                {
                    return problem;
                }
            }
        }
        return null;
    }

    [GeneratedRegex(@"\$[0-9]")]
    private static partial Regex ParameterReference();
}
