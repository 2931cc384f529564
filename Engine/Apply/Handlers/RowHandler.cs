using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Npgsql;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// The reference handler: one statement per event, in event order. Slow, obviously right, and it names the event that
/// fails; the bulk handler is tested against it, and the apply loop reruns a failed batch with it to find the event.
/// </summary>
public sealed class RowHandler : IHandler
{
    /// <summary>True: every error names the event it failed on.</summary>
    public bool NamesFailingEvent => true;

    public async Task<HandlerResult> ApplyAsync(HandlerTarget target, IAsyncEnumerable<ApplyEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(events);
        var replica = await ReplicaRole.TrySetAsync(target.Connection, target.Transaction, cancellationToken).ConfigureAwait(false);
        var statements = new Dictionary<(string, string), NpgsqlCommand>();
        var count = 0;
        try
        {
            await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                count++;
                var e = item.Event;
                var rule = target.RuleFor(e);
                var kind = e.Type switch
                {
                    EventTypes.Insert or EventTypes.Update => item.InFilter ? "upsert" : "delete",
                    EventTypes.Delete => "delete",
                    EventTypes.Truncate => "empty",
                    _ => throw new ApplyException($"Event {e.Id} has type '{e.Type}', which the row handler does not apply.", e, null),
                };
                if (kind != "empty" && e.Data is null)
                {
                    throw new ApplyException($"Event {e.Id} ({e.Type} on {e.Table}) carries no row data.", e, null);
                }
                NpgsqlCommand? command = null;
                if (kind != "empty" && !statements.TryGetValue((rule.SourceTable, kind), out command))
                {
                    command = new NpgsqlCommand(Statement(rule, kind), target.Connection, target.Transaction);
                    command.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                    statements[(rule.SourceTable, kind)] = command;
                }
                try
                {
                    if (command is null)
                    {
                        // A truncate: the filtered DELETE runs under a statement timeout of its own.
                        await TargetTableSql.EmptyAsync(target.Connection, target.Transaction, rule, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        ((NpgsqlParameter<string>)command.Parameters[0]).TypedValue = e.Data;
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (PostgresException ex)
                {
                    throw new ApplyException($"Event {e.Id} ({e.Type} on {e.Table}) failed on target table {rule.Target}: {ex.MessageText}",
                        e, ex);
                }
            }
        }
        finally
        {
            foreach (var command in statements.Values)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }
        }
        return new HandlerResult(count, replica);
    }

    private static string Statement(TableRule rule, string kind) => kind switch
    {
        "upsert" => TargetTableSql.Upsert(rule, TargetTableSql.Populate(rule, "$1::json")),
        _ => TargetTableSql.Delete(rule, TargetTableSql.Populate(rule, "$1::json")),
    };
}
