using Npgsql;

namespace Ferry.Engine.Queue;

/// <summary>
/// Capture of a table without a key, for a rule whose handler only inserts (<c>append</c>, <c>partition</c>:
/// docs/decisions/ADR-019-handlers.md). <c>ferry.enable_capture</c> (queue schema v6) refuses such a table, since its delete
/// events could not say which row; here the same statement triggers are made without the key-change trigger, and the table is
/// recorded with no key column. Its updates and deletes are still captured (with the whole row): the handler stops the table
/// on them. A table that has a usable key goes through <see cref="QueueAdmin.EnableCaptureAsync"/> as usual.
/// </summary>
public static class KeylessCapture
{
    /// <summary>Starts capturing the table into the queue, with its key when it has one, else without.</summary>
    /// <returns>The key columns (empty for a keyless table).</returns>
    /// <exception cref="CaptureRefusedException">
    /// The table does not exist or is not a table, or it is a partitioned table without a key (not supported).
    /// </exception>
    public static async Task<IReadOnlyList<string>> EnableAsync(
        NpgsqlDataSource node, string queue, string table, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        await using var connection = await node.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        int queueId;
        string name;
        char kind;
        bool keyed;
        await using (var look = new NpgsqlCommand(
            "SELECT ferry.queue_id($1), c.oid::regclass::text, c.relkind, ferry.table_key(c.oid) IS NOT NULL "
            + "FROM pg_catalog.pg_class c WHERE c.oid = to_regclass($2)", connection, transaction))
        {
            look.Parameters.Add(new NpgsqlParameter { Value = queue });
            look.Parameters.Add(new NpgsqlParameter { Value = table });
            await using var reader = await look.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new CaptureRefusedException($"The source has no table {table}.", new InvalidOperationException(table));
            }
            (queueId, name, kind, keyed) = (reader.GetInt32(0), reader.GetString(1), reader.GetChar(2), reader.GetBoolean(3));
        }
        if (keyed)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return await new QueueAdmin(node).EnableCaptureAsync(queue, table, cancellationToken).ConfigureAwait(false);
        }
        if (kind != 'r')
        {
            throw new CaptureRefusedException(
                $"{name} has no key and is not an ordinary table (relkind '{kind}'): Ferry captures keyless tables only when they are "
                + "ordinary tables. Give it a primary key, or replicate its partitions one by one.", new InvalidOperationException(name));
        }
        // The same statement triggers as ferry.enable_capture (v5) makes for an ordinary table, without the key-change one.
        string[] sql =
        [
            "SELECT ferry.disable_capture($1, $2::regclass)",
            $"CREATE TRIGGER ferry_q{queueId}_ins AFTER INSERT ON {name} REFERENCING NEW TABLE AS ferry_new FOR EACH STATEMENT "
            + $"EXECUTE FUNCTION ferry.capture_{queueId}()",
            $"CREATE TRIGGER ferry_q{queueId}_upd AFTER UPDATE ON {name} REFERENCING NEW TABLE AS ferry_new FOR EACH STATEMENT "
            + $"EXECUTE FUNCTION ferry.capture_{queueId}()",
            $"CREATE TRIGGER ferry_q{queueId}_del AFTER DELETE ON {name} REFERENCING OLD TABLE AS ferry_old FOR EACH STATEMENT "
            + $"EXECUTE FUNCTION ferry.capture_{queueId}()",
            $"CREATE TRIGGER ferry_q{queueId}_trunc AFTER TRUNCATE ON {name} FOR EACH STATEMENT EXECUTE FUNCTION ferry.capture_{queueId}()",
            "INSERT INTO ferry.capture_table (ct_queue, ct_table, ct_key_columns) VALUES (ferry.queue_id($1), $2::regclass, '{}')",
        ];
        foreach (var statement in sql)
        {
            await using var command = new NpgsqlCommand(statement, connection, transaction);
            if (statement.Contains("$1", StringComparison.Ordinal))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = queue });
                command.Parameters.Add(new NpgsqlParameter { Value = name });
            }
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return [];
    }
}
