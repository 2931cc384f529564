using Ferry.Engine.Consumers;
using Ferry.Engine.Drift;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Npgsql;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// For append-only tables, also without a key (log tables): each insert (inside the row filter) is inserted into the target
/// table, a chunk of rows per statement. An update, delete or truncate of such a table cannot be followed exactly (there may be
/// no key to find the row by), so it stops the table in error with a message saying what happened and what to do, never a
/// silent skip (docs/decisions/ADR-019-handlers.md). Exactly once: the copy handover and the tick the batch records, as for
/// every handler.
/// </summary>
public sealed class AppendHandler(ApplyOptions? limits = null) : IHandler
{
    private readonly ApplyOptions _limits = limits ?? new ApplyOptions();

    public async Task<HandlerResult> ApplyAsync(HandlerTarget target, IAsyncEnumerable<ApplyEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(events);
        var replica = await ReplicaRole.TrySetAsync(target.Connection, target.Transaction, cancellationToken).ConfigureAwait(false);
        var rows = new AppendRows(_limits, (rule, chunk) => InsertAsync(target, rule, chunk, cancellationToken));
        var count = 0;
        await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            count++;
            var rule = target.RuleFor(item.Event);
            NotAppendOnly(HandlerRegistry.Append, rule, item.Event);
            if (item.InFilter)
            {
                await rows.AddAsync(rule, item.Event).ConfigureAwait(false);
            }
        }
        await rows.FlushAsync().ConfigureAwait(false);
        return new HandlerResult(count, replica, rows.Chunks);
    }

    /// <summary>Inserts rows (each an event's JSON row text) into the rule's target table, or another table of its shape.</summary>
    internal static async Task InsertAsync(
        HandlerTarget target, TableRule rule, IReadOnlyList<string> rows, CancellationToken cancellationToken, string? into = null)
    {
        var sql = $"INSERT INTO {into ?? rule.Target.Quoted} ({TargetTableSql.Columns(rule)}) SELECT {TargetTableSql.Columns(rule, "r")} "
            + $"FROM unnest($1::text[]) AS j(v) CROSS JOIN LATERAL {TargetTableSql.Populate(rule, "j.v::json")}";
        await using var command = new NpgsqlCommand(sql, target.Connection, target.Transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = rows.ToArray() });
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            throw new ApplyException($"Inserting {rows.Count} row(s) of {rule.SourceTable} into {into ?? rule.Target.Quoted} failed: {e.MessageText}", e);
        }
    }

    /// <summary>Stops the table (<see cref="DriftException"/> with Stop) when the event is not an insert.</summary>
    internal static void NotAppendOnly(string handler, TableRule rule, QueueEvent e)
    {
        if (e.Type == EventTypes.Insert)
        {
            return;
        }
        var what = e.Type switch
        {
            EventTypes.Update => "an UPDATE",
            EventTypes.Delete => "a DELETE",
            EventTypes.Truncate => "a TRUNCATE",
            _ => $"an event of type '{e.Type}'",
        };
        throw new DriftException(rule.SourceTable, stop: true,
            $"{rule.Source} had {what} on the source (event {e.Id}, transaction {e.TxId}), but its handler '{handler}' applies inserts only, "
            + $"so the target cannot follow it: the table stopped before that change and its later changes are kept. To go on, resync "
            + "the table (it is copied again), or give the source table a key and choose another handler; and keep updates, deletes "
            + "and truncates away from an append-only table.");
    }
}

/// <summary>Rows to insert, gathered per table and written a chunk at a time within <see cref="ApplyOptions"/>' limits.</summary>
internal sealed class AppendRows(ApplyOptions limits, Func<TableRule, IReadOnlyList<string>, Task> write)
{
    private readonly Dictionary<string, (TableRule Rule, List<string> Rows)> _held = new(StringComparer.Ordinal);
    private long _bytes;
    private int _count;

    /// <summary>Statements written.</summary>
    public int Chunks { get; private set; }

    public async Task AddAsync(TableRule rule, QueueEvent e)
    {
        if (e.Data is null)
        {
            throw new ApplyException($"Event {e.Id} (insert on {e.Table}) carries no row data.", e, null);
        }
        if (!_held.TryGetValue(rule.SourceTable, out var held))
        {
            _held[rule.SourceTable] = held = (rule, []);
        }
        held.Rows.Add(e.Data);
        _bytes += e.Data.Length;
        if (++_count >= limits.FoldRows || _bytes >= limits.FoldBytes)
        {
            await FlushAsync().ConfigureAwait(false);
        }
    }

    public async Task FlushAsync()
    {
        foreach (var (rule, rows) in _held.Values)
        {
            if (rows.Count > 0)
            {
                await write(rule, rows).ConfigureAwait(false);
                Chunks++;
                rows.Clear();
            }
        }
        _bytes = 0;
        _count = 0;
    }
}
