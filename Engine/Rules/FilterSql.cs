using System.Globalization;
using Npgsql;

namespace Ferry.Engine.Rules;

/// <summary>
/// How Ferry runs a validated row filter: spliced between parentheses on lines of their own, in a READ ONLY transaction
/// wherever it reads the source, and always under a statement timeout (docs/decisions/ADR-009-row-filters.md).
/// </summary>
/// <remarks>
/// Validation proves a filter calls only immutable functions (<see cref="TableRuleValidator"/>), but an IMMUTABLE label
/// can lie: these limits make sure such a filter can neither write where it reads nor hold a connection forever.
/// </remarks>
public static class FilterSql
{
    /// <summary>Longest time one query judging a chunk of events may run on the source.</summary>
    public static readonly TimeSpan EvaluationTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Longest time the DELETE of a truncate event's filtered rows may run on the target.</summary>
    public static readonly TimeSpan TargetDeleteTimeout = TimeSpan.FromHours(1);

    /// <summary>
    /// The filter between parentheses, each on a line of its own, so that a trailing <c>--</c> comment ends with the filter.
    /// A validated filter is balanced, so the parentheses hold all of it (<see cref="TableRuleValidator"/>).
    /// </summary>
    public static string Parenthesized(string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return "(\n" + filter + "\n)";
    }

    /// <summary>
    /// The alias a filtered row gets wherever a filter runs: the source table's name, quoted. A filter may name its table
    /// (<c>user_info.userid &gt; 5</c> or <c>"user_info".userid &gt; 5</c>) and means the same on the source table, on a
    /// row rebuilt from an event's JSON, and on a target table of another name; a schema before it is refused at validation.
    /// </summary>
    public static string RowAlias(TableName source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Ferry.Engine.Sql.Identifiers.Quote(source.Name);
    }

    /// <summary>
    /// <see cref="RowAlias(TableName)"/> from a table as events name it (<c>quote_ident(schema).quote_ident(name)</c>): its
    /// last part as written, which is already a valid SQL identifier.
    /// </summary>
    public static string RowAlias(string eventTable)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventTable);
        var start = 0;
        for (var i = 0; i < eventTable.Length; i++)
        {
            if (eventTable[i] == '"')
            {
                // A quoted part: its quotes inside are doubled.
                for (i++; i < eventTable.Length && !(eventTable[i] == '"' && (i + 1 == eventTable.Length || eventTable[i + 1] != '"')); i++)
                {
                    if (eventTable[i] == '"')
                    {
                        i++;
                    }
                }
            }
            else if (eventTable[i] == '.')
            {
                start = i + 1;
            }
        }
        return eventTable[start..];
    }

    /// <summary>
    /// Makes the transaction READ ONLY, with <paramref name="statementTimeout"/> for each of its statements. Call it before
    /// the transaction's first query (a REPEATABLE READ snapshot is taken by the first query, not by these settings).
    /// </summary>
    public static async Task ReadOnlyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TimeSpan statementTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(
            $"SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {Milliseconds(statementTimeout)}", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets the statement timeout for the rest of the transaction.</summary>
    public static async Task StatementTimeoutAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TimeSpan statementTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(
            $"SET LOCAL statement_timeout = {Milliseconds(statementTimeout)}", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one statement (without parameters) under <paramref name="statementTimeout"/>, then gives the transaction its
    /// previous timeout back.
    /// </summary>
    public static async Task ExecuteWithTimeoutAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, TimeSpan statementTimeout,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        string previous;
        await using (var set = new NpgsqlCommand(
            "SELECT current_setting('statement_timeout'), set_config('statement_timeout', $1, true)", connection, transaction))
        {
            set.Parameters.Add(new NpgsqlParameter { Value = Milliseconds(statementTimeout) });
            await using var reader = await set.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            previous = reader.GetString(0);
        }
        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using var reset = new NpgsqlCommand("SELECT set_config('statement_timeout', $1, true)", connection, transaction);
        reset.Parameters.Add(new NpgsqlParameter { Value = previous });
        await reset.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // statement_timeout in milliseconds; 0 would mean none, so never less than 1.
    private static string Milliseconds(TimeSpan timeout) =>
        Math.Max(1L, (long)Math.Ceiling(timeout.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
}
