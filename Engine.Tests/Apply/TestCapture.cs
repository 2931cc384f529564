using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Sql;
using Npgsql;

namespace Ferry.Engine.Tests.Apply;

/// <summary>
/// A stand-in for the queue's capture in tests: a row trigger that logs each change the way the event contract says
/// (row_to_json of the new row for I/U, the key for D, a D of the old key before a U that changes the key, T for truncate;
/// or in queue schema v5's encoding)
/// into a plain table <c>test_events</c>, and a reader that turns them into <see cref="ApplyEvent"/>s with the filter's verdict
/// evaluated on the source, as the batch reader will.
/// </summary>
internal static class TestCapture
{
    /// <param name="textRows">
    /// Log events as queue schema v5 does (docs/decisions/ADR-014-exact-row-encoding.md): the row's JSON object for its column
    /// names and the row in record text form in <c>extra</c> (deletes: the whole old row); <see cref="ReadAsync"/> then returns
    /// text rows, as the batch source does.
    /// </param>
    public static async Task InstallAsync(NpgsqlConnection connection, string schema, string table, string[] key, bool textRows = false)
    {
        var qualified = Identifiers.Quote(schema, table);
        var keyJson = string.Join(", ", key.Select(k => $"'{k.Replace("'", "''", StringComparison.Ordinal)}', OLD.{Identifiers.Quote(k)}"));
        var oldKey = string.Join(", ", key.Select(k => "OLD." + Identifiers.Quote(k)));
        var newKey = string.Join(", ", key.Select(k => "NEW." + Identifiers.Quote(k)));
        var function = Identifiers.Quote(schema, "capture_" + table);
        var oldData = textRows ? "row_to_json(OLD)::text" : $"json_build_object({keyJson})::text";
        var oldExtra = textRows ? "OLD::text" : "NULL";
        var newExtra = textRows ? "NEW::text" : "NULL";
        var sql = $"""
            CREATE TABLE IF NOT EXISTS public.test_events (
                id bigserial PRIMARY KEY, txid bigint NOT NULL DEFAULT txid_current(), type text NOT NULL, tbl text NOT NULL, data text,
                extra text);
            CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $f$
            DECLARE tbl text := quote_ident(TG_TABLE_SCHEMA) || '.' || quote_ident(TG_TABLE_NAME);
            BEGIN
                IF TG_OP = 'TRUNCATE' THEN
                    INSERT INTO public.test_events (type, tbl) VALUES ('T', tbl);
                ELSIF TG_OP = 'DELETE' THEN
                    INSERT INTO public.test_events (type, tbl, data, extra) VALUES ('D', tbl, {oldData}, {oldExtra});
                ELSIF TG_OP = 'UPDATE' THEN
                    IF ROW({oldKey}) IS DISTINCT FROM ROW({newKey}) THEN
                        INSERT INTO public.test_events (type, tbl, data, extra) VALUES ('D', tbl, {oldData}, {oldExtra});
                    END IF;
                    INSERT INTO public.test_events (type, tbl, data, extra) VALUES ('U', tbl, row_to_json(NEW)::text, {newExtra});
                ELSE
                    INSERT INTO public.test_events (type, tbl, data, extra) VALUES ('I', tbl, row_to_json(NEW)::text, {newExtra});
                END IF;
                RETURN NULL;
            END $f$;
            CREATE TRIGGER capture AFTER INSERT OR UPDATE OR DELETE ON {qualified} FOR EACH ROW EXECUTE FUNCTION {function}();
            CREATE TRIGGER capture_truncate AFTER TRUNCATE ON {qualified} FOR EACH STATEMENT EXECUTE FUNCTION {function}();
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Events with id in (after, upTo], the filter (over <paramref name="sourceTable"/>'s row) evaluated on the source.</summary>
    public static async Task<List<ApplyEvent>> ReadAsync(
        NpgsqlConnection connection, long after, long upTo, IReadOnlyDictionary<string, string>? filters = null, long minTxid = 0)
    {
        var verdict = "true";
        if (filters is { Count: > 0 })
        {
            verdict = "CASE " + string.Join(" ", filters.Select(f =>
                $"WHEN e.tbl = '{f.Key.Replace("'", "''", StringComparison.Ordinal)}' AND e.type IN ('I', 'U') THEN " +
                $"(SELECT coalesce(({f.Value}), false) FROM json_populate_record(NULL::{f.Key}, e.data::json))")) + " ELSE true END";
        }
        await using var command = new NpgsqlCommand(
            $"SELECT e.id, e.txid, e.type, e.tbl, e.data, {verdict}, e.extra FROM public.test_events e WHERE e.id > $1 AND e.id <= $2 AND e.txid >= $3 ORDER BY e.id",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        command.Parameters.Add(new NpgsqlParameter { Value = upTo });
        command.Parameters.Add(new NpgsqlParameter { Value = minTxid });
        var events = new List<ApplyEvent>();
        var names = new EventRow.NamesCache();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            var e = new QueueEvent(reader.GetInt64(0), reader.GetInt64(1), DateTimeOffset.UnixEpoch, reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(6) ? null : reader.GetString(6));
            events.Add(new ApplyEvent(EventRow.ToTextRow(e, ref names), reader.GetBoolean(5)));
        }
        return events;
    }

    public static async Task<long> LastIdAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT coalesce(max(id), 0) FROM public.test_events", connection);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    /// <summary>An ordered hash of all listed columns of the rows, ordered by <paramref name="orderBy"/>.</summary>
    public static async Task<string> HashAsync(NpgsqlConnection connection, string table, string columns, string orderBy, string? where = null)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY {orderBy}), '')) || ':' || count(*) " +
            $"FROM (SELECT {columns} FROM {table} {(where is null ? "" : "WHERE " + where)}) t",
            connection);
        return (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    public static async IAsyncEnumerable<T> AsAsync<T>(IEnumerable<T> items)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            yield return item;
        }
    }
}
