using Ferry.Engine.Apply.Handlers;
using Npgsql;

namespace Ferry.Samples.AuditHandler;

/// <summary>
/// Writes every change of a table into an audit table on the target instead of applying it (docs/handlers.md): one row per
/// change with the event id, the operation, the source table, the new row and the old key. The audit table is the option
/// <c>table</c> (<c>schema.name</c>), with columns <c>event_id bigint, operation text, source_table text, new_row jsonb,
/// old_key jsonb</c>. It runs in the batch's transaction, so each change is written exactly once.
/// </summary>
public sealed class AuditHandler : IChangeHandler
{
    public string Name => "audit";

    public string Description => "Sample .NET handler: writes each change (operation, new row, old key) into an audit table on the target.";

    public IReadOnlyList<HandlerOption> Options => [new("table", "schema.name of the audit table on the target, e.g. audit.changes")];

    public async Task ApplyAsync(TableChange change, ChangeTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(target);
        var parts = target.Options["table"].Split('.', 2);
        if (parts.Length != 2)
        {
            throw new ArgumentException($"The audit table '{target.Options["table"]}' is not schema.name.");
        }
        var table = $"\"{parts[0].Replace("\"", "\"\"", StringComparison.Ordinal)}\".\"{parts[1].Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
        await using var command = new NpgsqlCommand(
            $"INSERT INTO {table} (event_id, operation, source_table, new_row, old_key) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)",
            target.Connection, target.Transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = change.EventId });
        command.Parameters.Add(new NpgsqlParameter { Value = change.Operation });
        command.Parameters.Add(new NpgsqlParameter { Value = change.SourceTable });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)change.NewRow ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)change.OldKey ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
