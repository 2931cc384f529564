using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Npgsql;

namespace Ferry.Engine.Topology;

/// <summary>
/// The first step of cascading (docs/decisions/ADR-022-cascade.md): a branch writes the events of one provider batch into
/// its own queue under the provider's event ids, and closes the provider's tick under the provider's tick id, in the
/// caller's transaction on the branch, which is the one that applies the batch: so a crash never forwards what was not
/// applied, nor applies what was not forwarded. Uses the queue's forwarder entry points (<c>ferry.insert_event</c> with an
/// event id, <c>ferry.tick</c> with a tick id); no queue schema change.
/// </summary>
/// <remarks>
/// Events are forwarded as the provider's queue holds them (<see cref="QueueConsumer.ReadEventsAsync"/>: column names and
/// record text, docs/decisions/ADR-014-exact-row-encoding.md), all of them, before any filter: what a branch stores is
/// what its provider stored. The branch's own ticker must not tick this queue: its ticks come from the provider.
/// </remarks>
public sealed class BatchForwarder(string queue)
{
    /// <summary>The branch's queue the events go to.</summary>
    public string Queue => queue;

    /// <summary>
    /// Writes <paramref name="events"/> (the whole batch, in id order) into the branch's queue and closes tick
    /// <see cref="Batch.TickId"/> there; returns how many events it wrote. A batch whose tick the branch already holds is
    /// refused by <c>ferry.tick</c> (its tick id is not above the newest), which rolls the caller's transaction back.
    /// </summary>
    public async Task<long> ForwardAsync(
        NpgsqlConnection branch, NpgsqlTransaction transaction, Batch batch, IAsyncEnumerable<QueueEvent> events,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(branch);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(events);
        long written = 0;
        long highest = 0;
        await using (var insert = new NpgsqlCommand("SELECT ferry.insert_event($1, $2, $3, $4::json, $5, $6)", branch, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = queue });
            insert.Parameters.Add(new NpgsqlParameter<string>());
            insert.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter<long>());
            await insert.PrepareAsync(cancellationToken).ConfigureAwait(false);
            await foreach (var e in events.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                ((NpgsqlParameter<string>)insert.Parameters[1]).TypedValue = e.Type;
                insert.Parameters[2].Value = (object?)e.Table ?? DBNull.Value;
                insert.Parameters[3].Value = (object?)e.Data ?? DBNull.Value;
                insert.Parameters[4].Value = (object?)e.Extra ?? DBNull.Value;
                ((NpgsqlParameter<long>)insert.Parameters[5]).TypedValue = e.Id;
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                written++;
                highest = Math.Max(highest, e.Id);
            }
        }
        if (written > 0)
        {
            // The event sequence follows the provider's ids, so a tick's event position (and the lag counted from it) reads
            // as on the provider. Direct until the queue has a forwarder function for it (ADR-022, next step).
            await using var position = new NpgsqlCommand(
                "SELECT setval(format('ferry.event_%s_id_seq', q)::regclass, greatest($2, ferry.event_position(q))) FROM ferry.queue_id($1) AS q",
                branch, transaction);
            position.Parameters.Add(new NpgsqlParameter<string> { TypedValue = queue });
            position.Parameters.Add(new NpgsqlParameter<long> { TypedValue = highest });
            await position.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using var tick = new NpgsqlCommand("SELECT ferry.tick($1, $2)", branch, transaction);
        tick.Parameters.Add(new NpgsqlParameter<string> { TypedValue = queue });
        tick.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.TickId });
        await tick.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return written;
    }
}
