using Npgsql;

namespace Ferry.Engine.Rules.Internal;

/// <summary>Reads table definitions from <c>pg_catalog</c> (PostgreSQL 12 to 18).</summary>
internal static class TableCatalog
{
    private const string TableSql = """
        SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind::text, greatest(c.reltuples, 0)::float8
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2
        """;

    private const string ColumnsSql = """
        SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), tn.nspname || '.' || t.typname, a.attnotnull,
               a.attgenerated <> '', a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '',
               (WITH RECURSIVE d(tid) AS (SELECT a.atttypid
                                          UNION ALL
                                          SELECT bt.typbasetype FROM pg_type bt JOIN d ON bt.oid = d.tid WHERE bt.typtype = 'd')
                SELECT bt.typname::text FROM d JOIN pg_type bt ON bt.oid = d.tid
                WHERE bt.oid IN ('pg_catalog.json'::regtype, 'pg_catalog.jsonb'::regtype))
        FROM pg_attribute a
        JOIN pg_type t ON t.oid = a.atttypid
        JOIN pg_namespace tn ON tn.oid = t.typnamespace
        WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """;

    private const string IndexesSql = """
        SELECT ic.relname::text, i.indisprimary,
               i.indisunique AND i.indimmediate AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL,
               ARRAY(SELECT a.attname::text
                     FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                     WHERE k.ord <= i.indnkeyatts
                     ORDER BY k.ord)
        FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE i.indrelid = $1
        ORDER BY NOT i.indisprimary, ic.relname
        """;

    public static async Task<TableDescription?> DescribeAsync(
        NpgsqlConnection connection, TableName table, CancellationToken cancellationToken)
    {
        uint oid;
        string text;
        char kind;
        double rows;
        await using (var command = new NpgsqlCommand(TableSql, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = table.Schema });
            command.Parameters.Add(new NpgsqlParameter { Value = table.Name });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            oid = reader.GetFieldValue<uint>(0);
            text = reader.GetString(1);
            kind = reader.GetString(2)[0];
            rows = reader.GetDouble(3);
        }

        var columns = new List<CatalogColumn>();
        await using (var command = new NpgsqlCommand(ColumnsSql, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = oid, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                columns.Add(new CatalogColumn(
                    new ColumnDefinition(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3),
                        reader.IsDBNull(6) ? null : reader.GetString(6)),
                    reader.GetBoolean(4), reader.GetBoolean(5)));
            }
        }

        var indexes = new List<CatalogIndex>();
        await using (var command = new NpgsqlCommand(IndexesSql, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = oid, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                indexes.Add(new CatalogIndex(reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2),
                    reader.GetFieldValue<string[]>(3)));
            }
        }
        return new TableDescription(oid, text, kind, rows, columns, indexes);
    }
}
