using Ferry.Engine.Consumers;
using Ferry.Engine.Drift;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Sql;
using Ferry.Engine.Target;
using Npgsql;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// Runs a loaded <see cref="IChangeHandler"/> as a table's handler: each event becomes a <see cref="TableChange"/> (its rows
/// turned to jsonb on the target, as the function handler passes them); an exception of the handler stops the table with its
/// message (a transient server error is retried as for every handler).
/// </summary>
internal sealed class ChangeHandlerAdapter(IChangeHandler handler, IReadOnlyDictionary<string, string> options) : IHandler
{
    public bool NamesFailingEvent => true;

    public async Task<HandlerResult> ApplyAsync(HandlerTarget target, IAsyncEnumerable<ApplyEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(events);
        var replica = await ReplicaRole.TrySetAsync(target.Connection, target.Transaction, cancellationToken).ConfigureAwait(false);
        var context = new ChangeTarget(target.Connection, target.Transaction, options);
        var count = 0;
        await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            count++;
            var e = item.Event;
            var rule = target.RuleFor(e);
            var operation = ChangeOperation.Of(item, handler.Name);
            var (newRow, oldKey) = operation == "TRUNCATE"
                ? (null, null)
                : await RowsAsync(target, rule, operation, e.Data, cancellationToken).ConfigureAwait(false);
            try
            {
                await handler.ApplyAsync(new TableChange(e.Id, operation, rule.SourceTable, rule.Target.Quoted, newRow, oldKey), context,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !ApplyErrors.IsTransient(ex))
            {
                throw new DriftException(rule.SourceTable, stop: true,
                    $"The .NET handler {handler.Name} failed on event {e.Id} ({operation} of {rule.Source}): {ex.Message} Fix the cause, "
                    + "then retry the table: its changes are kept on the target until then.");
            }
        }
        return new HandlerResult(count, replica);
    }

    private static async Task<(string? NewRow, string? OldKey)> RowsAsync(
        HandlerTarget target, TableRule rule, string operation, string? data, CancellationToken cancellationToken)
    {
        var key = string.Join(", ", rule.Key.Select(k => $"{TargetTableSql.Literal(k)}, r.{Identifiers.Quote(k)}"));
        await using var command = new NpgsqlCommand(
            $"SELECT CASE WHEN $1 IN ('INSERT', 'UPDATE') THEN to_jsonb(r)::text END, "
            + $"CASE WHEN $1 IN ('UPDATE', 'DELETE') THEN jsonb_build_object({key})::text END "
            + $"FROM {TargetTableSql.Populate(rule, "$2::json")}", target.Connection, target.Transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = operation });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)data ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }
}

/// <summary>A loaded .NET handler as a handler kind (docs/handlers.md).</summary>
internal sealed class ChangeHandlerKind(IChangeHandler handler, string assembly, string version) : HandlerKind
{
    public override string Name => handler.Name;

    public override string Description => handler.Description;

    public override IReadOnlyList<HandlerOption> Options => handler.Options;

    /// <summary>The assembly it came from, with its version (the picker and the log show them).</summary>
    public string Origin => $"{assembly} {version}";

    public override IHandler Create(IReadOnlyDictionary<string, string> options, ApplyOptions limits) => new ChangeHandlerAdapter(handler, options);
}
