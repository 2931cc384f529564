using System.Security.Claims;
using System.Text.Json;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Rules;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ferry.Engine.Replication.Catalog;

/// <summary>
/// Lists the tables a subscription can add (role Operator): the source's ordinary and partitioned tables with their estimated
/// rows, their key (primary key, or the unique indexes the engine accepts as key) and whether the subscription has them already.
/// </summary>
/// <remarks>
/// The key columns follow <see cref="TableRuleValidator"/> and <c>ferry.table_key</c>: a key index is unique, immediate, valid,
/// without WHERE or expressions, over NOT NULL key columns. Partitions are left out: the engine adds their partitioned parent.
/// </remarks>
public sealed class SourceCatalogQuery(IDbContextFactory<ControlDbContext> contexts, NodeDataSources nodes)
{
    // Estimated rows as the planner reckons them (estimate_rel_size): the density of the last VACUUM/ANALYZE times the pages
    // the table has now. reltuples is -1 before the first of them on PostgreSQL 14+ and 0 (with relpages 0) before it on 13,
    // so a table that has pages but no statistics is unknown (NULL), and one without pages is empty. A partitioned table sums
    // its leaf partitions (https://www.postgresql.org/docs/current/catalog-pg-class.html).
    private const string TablesSql = """
        SELECT n.nspname::text, c.relname::text, quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind = 'p',
               est.rows,
               ARRAY(SELECT a.attname::text
                     FROM pg_index i
                     CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                     WHERE i.indrelid = c.oid AND i.indisprimary AND k.ord <= i.indnkeyatts
                     ORDER BY k.ord),
               (SELECT json_agg(json_build_object('name', x.name, 'columns', x.columns) ORDER BY x.keys, x.oid)
                FROM (SELECT ic.relname::text AS name, i.indnkeyatts AS keys, i.indexrelid AS oid,
                             ARRAY(SELECT a.attname::text
                                   FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                                   WHERE k.ord <= i.indnkeyatts
                                   ORDER BY k.ord) AS columns
                      FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                      WHERE i.indrelid = c.oid AND NOT i.indisprimary
                        AND i.indisunique AND i.indimmediate AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
                        AND NOT EXISTS (SELECT 1
                                        FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                                        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                                        WHERE k.ord <= i.indnkeyatts AND NOT a.attnotnull)) x)::text
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL (
            SELECT CASE WHEN bool_or(e.rows IS NULL) THEN NULL ELSE coalesce(sum(e.rows), 0) END::bigint AS rows
            FROM (SELECT CASE WHEN s.pages = 0 THEN 0
                              WHEN l.relpages > 0 AND l.reltuples >= 0 THEN round(l.reltuples::numeric / l.relpages * s.pages)
                         END AS rows
                  FROM (SELECT c.oid AS relid WHERE c.relkind = 'r'
                        UNION ALL
                        SELECT t.relid FROM pg_partition_tree(c.oid) t WHERE c.relkind = 'p' AND t.isleaf) leaf
                  JOIN pg_class l ON l.oid = leaf.relid AND l.relkind = 'r'
                  CROSS JOIN LATERAL (SELECT pg_relation_size(l.oid) / current_setting('block_size')::bigint AS pages) s) e
        ) est
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname <> ALL ($1) AND n.nspname !~ '^pg_'
        ORDER BY n.nspname, c.relname
        """;

    // System schemas (every pg_* one, temporary and toast schemas included, is left out by the pattern) and Ferry's own
    // queue schema on the node.
    private static readonly string[] HiddenSchemas = ["information_schema", "ferry"];

    /// <summary>The source tables of the subscription's set root, by schema and name.</summary>
    /// <exception cref="ReplicationRefusedException">No such subscription, or the root did not answer.</exception>
    public async Task<SourceCatalog> GetAsync(ClaimsPrincipal user, int subscriptionId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await context.Subscriptions.AsNoTracking()
            .Include(s => s.Set).ThenInclude(s => s!.RootNode)
            .Include(s => s.Tables)
            .AsSplitQuery()
            .SingleOrDefaultAsync(s => s.Id == subscriptionId, cancellationToken).ConfigureAwait(false)
            ?? throw ReplicationRefusedException.NotFound($"There is no subscription {subscriptionId}: it may have been dropped.");
        var root = subscription.Set!.RootNode!;
        var added = subscription.Tables.ToDictionary(
            t => (t.SourceSchema, t.SourceTable), t => new TableName(t.TargetSchema, t.TargetTable).Quoted);

        List<SourceTable> tables;
        try
        {
            await using var source = nodes.Open(root, "ferry-catalog");
            tables = await source.ReadAsync(data => ReadTablesAsync(data, added, cancellationToken), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            throw new ReplicationRefusedException(
                $"Node '{root.Name}' refused to list its tables ({e.MessageText}): check that its role may read the catalog.", e);
        }
        catch (NpgsqlException e)
        {
            throw NodeReachability.Unreachable(root.Name, e);
        }
        return new SourceCatalog(subscription.Id, root.Name, tables);
    }

    private static async Task<List<SourceTable>> ReadTablesAsync(
        NpgsqlDataSource source, Dictionary<(string, string), string> added, CancellationToken cancellationToken)
    {
        var tables = new List<SourceTable>();
        await using var command = source.CreateCommand(TablesSql);
        command.Parameters.Add(new NpgsqlParameter { Value = HiddenSchemas });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var schema = reader.GetString(0);
            var name = reader.GetString(1);
            var primaryKey = reader.GetFieldValue<string[]>(5);
            tables.Add(new SourceTable(
                schema, name, reader.GetString(2),
                reader.IsDBNull(4) ? null : reader.GetInt64(4),
                reader.GetBoolean(3),
                primaryKey,
                primaryKey.Length > 0 || reader.IsDBNull(6) ? [] : KeyIndexes(reader.GetString(6)),
                added.GetValueOrDefault((schema, name))));
        }
        return tables;
    }

    private static List<SourceKeyIndex> KeyIndexes(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(index => new SourceKeyIndex(
            index.GetProperty("name").GetString()!,
            [.. index.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!)]))];
    }
}
