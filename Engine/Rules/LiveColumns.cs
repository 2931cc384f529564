using Npgsql;

namespace Ferry.Engine.Rules;

/// <summary>
/// Reads the columns of tables of one database (source or target) by name: the names events carry
/// (<c>quote_ident(schema).quote_ident(table)</c>) or any other text <c>to_regclass</c> reads.
/// </summary>
public static class LiveColumns
{
    private const string Sql = """
        SELECT u.t, a.attname::text, a.attnum::int, format_type(a.atttypid, a.atttypmod), a.attgenerated <> '',
               a.atthasmissing, CASE WHEN a.atthasmissing THEN (a.attmissingval::text::text[])[1] END, a.atthasdef,
               (WITH RECURSIVE d(tid) AS (SELECT a.atttypid
                                          UNION ALL
                                          SELECT bt.typbasetype FROM pg_type bt JOIN d ON bt.oid = d.tid WHERE bt.typtype = 'd')
                SELECT bt.typname::text FROM d JOIN pg_type bt ON bt.oid = d.tid
                WHERE bt.oid IN ('pg_catalog.json'::regtype, 'pg_catalog.jsonb'::regtype))
        FROM unnest($1::text[]) AS u(t)
        JOIN pg_attribute a ON a.attrelid = to_regclass(u.t)
        WHERE a.attnum > 0 AND NOT a.attisdropped
        ORDER BY u.t, a.attnum
        """;

    /// <summary>The columns of each table that exists, in attnum order; tables that do not exist are left out.</summary>
    public static async Task<Dictionary<string, IReadOnlyList<LiveColumn>>> ReadAsync(
        NpgsqlConnection connection, IEnumerable<string> tables, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(tables);
        var result = new Dictionary<string, IReadOnlyList<LiveColumn>>(StringComparer.Ordinal);
        var names = tables.Distinct(StringComparer.Ordinal).ToArray();
        if (names.Length == 0)
        {
            return result;
        }
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = names });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var table = reader.GetString(0);
            if (!result.TryGetValue(table, out var list))
            {
                result[table] = list = new List<LiveColumn>();
            }
            ((List<LiveColumn>)list).Add(new LiveColumn(reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                reader.GetBoolean(4), reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetBoolean(7),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return result;
    }

    /// <summary><see cref="ReadAsync(NpgsqlConnection, IEnumerable{string}, CancellationToken)"/> on a connection of its own.</summary>
    public static async Task<Dictionary<string, IReadOnlyList<LiveColumn>>> ReadAsync(
        NpgsqlDataSource dataSource, IEnumerable<string> tables, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(connection, tables, cancellationToken).ConfigureAwait(false);
    }
}
