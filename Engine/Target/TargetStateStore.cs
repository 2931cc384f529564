using System.Reflection;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Target;

/// <summary>
/// Reads and writes Ferry's state in a target database's <c>ferry</c> schema (<c>Target/Sql/target-state.sql</c>): the last
/// tick applied per subscription and each table's state. Methods that take a connection and transaction run inside the
/// caller's transaction (the apply transaction records its tick there: exactly-once); the others use their own.
/// </summary>
public sealed partial class TargetStateStore(NpgsqlDataSource target, string subscription)
{
    public string Subscription => subscription;

    /// <summary>Creates the <c>ferry</c> schema objects when missing and the subscription's row.</summary>
    public async Task InstallAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // Run the script only when something is missing: CREATE SCHEMA IF NOT EXISTS checks the CREATE right on the
        // database even when the schema exists, which an apply role need not have once the schema is there.
        await using (var check = new NpgsqlCommand(
            "SELECT to_regclass('ferry.subscription') IS NULL OR to_regclass('ferry.table_state') IS NULL " +
            "OR to_regclass('ferry.pending_event') IS NULL", connection))
        {
            if ((bool)(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                await using var install = new NpgsqlCommand(Script(), connection);
                await install.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        await using var row = new NpgsqlCommand(
            "INSERT INTO ferry.subscription (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", connection);
        row.Parameters.Add(new NpgsqlParameter { Value = subscription });
        await row.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Locks the subscription's row for the apply transaction and returns its last applied tick.</summary>
    public async Task<long?> LockLastTickAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT last_tick FROM ferry.subscription WHERE name = $1 FOR UPDATE", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = subscription });
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value switch
        {
            null => throw new InvalidOperationException(
                $"The target has no subscription '{subscription}': install the target state first."),
            DBNull => null,
            _ => (long)value,
        };
    }

    /// <summary>Records the batch's tick in the apply transaction.</summary>
    public async Task RecordTickAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long tick, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "UPDATE ferry.subscription SET last_tick = $2, updated_at = now() WHERE name = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = subscription });
        command.Parameters.Add(new NpgsqlParameter { Value = tick });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The subscription's row.</summary>
    public async Task<SubscriptionStateRow> GetSubscriptionAsync(CancellationToken cancellationToken = default)
    {
        await using var command = target.CreateCommand(
            "SELECT name, last_tick, state, error, failed_event FROM ferry.subscription WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = subscription });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"The target has no subscription '{subscription}'.");
        }
        return new SubscriptionStateRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4));
    }

    /// <summary>Stops the subscription in state <c>error</c>, keeping the message and the failing event for the portal.</summary>
    public async Task SetErrorAsync(string error, string? failedEvent, CancellationToken cancellationToken = default)
    {
        await using var command = target.CreateCommand(
            "UPDATE ferry.subscription SET state = 'error', error = $2, failed_event = $3, updated_at = now() WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = subscription });
        command.Parameters.Add(new NpgsqlParameter { Value = error });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)failedEvent ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Clears an error so the loop may run again (the portal's "retry").</summary>
    public async Task ClearErrorAsync(CancellationToken cancellationToken = default)
    {
        await using var command = target.CreateCommand(
            "UPDATE ferry.subscription SET state = 'active', error = NULL, failed_event = NULL, updated_at = now() WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = subscription });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds a table in state <c>new</c>; a table already there keeps its state.</summary>
    public async Task AddTableAsync(TableRule rule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        await using var command = target.CreateCommand("""
            INSERT INTO ferry.table_state (subscription, source_table, target_table, state) VALUES ($1, $2, $3, 'new')
            ON CONFLICT (subscription, source_table) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = subscription });
        command.Parameters.Add(new NpgsqlParameter { Value = rule.SourceTable });
        command.Parameters.Add(new NpgsqlParameter { Value = rule.Target.Quoted });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes a table from the subscription on the target: its state row and kept events. The apply loop skips events of
    /// tables without a state row from its next batch on; the target table and its rows stay.
    /// </summary>
    /// <returns>Whether the table was in the subscription.</returns>
    public async Task<bool> RemoveTableAsync(string sourceTable, CancellationToken cancellationToken = default)
    {
        await using var connection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var removed = false;
        foreach (var table in new[] { "ferry.pending_event", "ferry.table_state" })
        {
            await using var command = new NpgsqlCommand(
                $"DELETE FROM {table} WHERE subscription = $1 AND source_table = $2", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = subscription });
            command.Parameters.Add(new NpgsqlParameter { Value = sourceTable });
            removed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return removed;
    }

    /// <summary>All tables of the subscription; <paramref name="forShare"/> locks their rows for the caller's transaction.</summary>
    public async Task<IReadOnlyList<TableStateRow>> GetTablesAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, bool forShare, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT source_table, target_table, state, copy_snapshot, rows_copied, error FROM ferry.table_state " +
            "WHERE subscription = $1 ORDER BY source_table" + (forShare ? " FOR SHARE" : ""), connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = subscription });
        var rows = new List<TableStateRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new TableStateRow(reader.GetString(0), reader.GetString(1), TableStateMachine.Parse(reader.GetString(2)),
                reader.IsDBNull(3) ? null : TxidSnapshot.Parse(reader.GetString(3)), reader.IsDBNull(4) ? null : reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        return rows;
    }

    /// <summary>All tables of the subscription (own connection).</summary>
    public async Task<IReadOnlyList<TableStateRow>> GetTablesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await GetTablesAsync(connection, null, false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves a table to <paramref name="to"/> after checking the move with <see cref="TableStateMachine"/> against the stored
    /// state (locked FOR UPDATE). Snapshot, rows and error are stored as given (null clears them).
    /// </summary>
    public async Task MoveTableAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sourceTable, TableState to,
        TxidSnapshot? copySnapshot = null, long? rowsCopied = null, string? error = null, CancellationToken cancellationToken = default)
    {
        await using (var current = new NpgsqlCommand(
            "SELECT state FROM ferry.table_state WHERE subscription = $1 AND source_table = $2 FOR UPDATE", connection, transaction))
        {
            current.Parameters.Add(new NpgsqlParameter { Value = subscription });
            current.Parameters.Add(new NpgsqlParameter { Value = sourceTable });
            var state = await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string
                ?? throw new InvalidOperationException($"Subscription '{subscription}' has no table {sourceTable}.");
            TableStateMachine.Move(TableStateMachine.Parse(state), to);
        }
        await using var command = new NpgsqlCommand("""
            UPDATE ferry.table_state SET state = $3, copy_snapshot = $4, rows_copied = $5, error = $6, updated_at = now()
            WHERE subscription = $1 AND source_table = $2
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = subscription });
        command.Parameters.Add(new NpgsqlParameter { Value = sourceTable });
        command.Parameters.Add(new NpgsqlParameter { Value = TableStateMachine.Text(to) });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)copySnapshot?.ToString() ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<long?> { TypedValue = rowsCopied, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(
            new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="MoveTableAsync(NpgsqlConnection, NpgsqlTransaction, string, TableState, TxidSnapshot?, long?, string?, CancellationToken)"/>
    /// in its own transaction.
    /// </summary>
    public async Task MoveTableAsync(string sourceTable, TableState to, string? error = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await MoveTableAsync(connection, transaction, sourceTable, to, error: error, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops a table that is catching up or ok (state error with <paramref name="error"/>, its copy's snapshot kept for a
    /// retry; its events are kept from then on); returns whether it did.
    /// </summary>
    public async Task<bool> StopTableAsync(string sourceTable, string error, CancellationToken cancellationToken = default)
    {
        await using var connection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var row = (await GetTablesAsync(connection, transaction, forShare: false, cancellationToken).ConfigureAwait(false))
            .SingleOrDefault(t => t.SourceTable == sourceTable);
        if (row is not { State: TableState.CatchingUp or TableState.Ok })
        {
            return false;
        }
        await MoveTableAsync(connection, transaction, sourceTable, TableState.Error, row.CopySnapshot, row.RowsCopied, error, cancellationToken)
            .ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Forgets the whole subscription on the target (its tick, table states, kept events); target tables' rows stay.</summary>
    public async Task DropAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // table_state rows go with the subscription row (ON DELETE CASCADE).
        string[] statements = ["DELETE FROM ferry.pending_event WHERE subscription = $1", "DELETE FROM ferry.subscription WHERE name = $1"];
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = subscription });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Script()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith(".target-state.sql", StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
