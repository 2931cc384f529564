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
    /// The provider's ticks inside <paramref name="batch"/> (after its previous tick, before its tick). A forwarder reads its
    /// provider with <c>NextBatchAsync(0, ...)</c>, so a batch of several ticks holds no event: these ticks are empty, and
    /// forwarding them too gives the branch every tick id of its provider.
    /// </summary>
    public static async Task<IReadOnlyList<long>> InnerTicksAsync(
        NpgsqlDataSource provider, Batch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(batch);
        await using var command = provider.CreateCommand(
            "SELECT tick_id FROM ferry.tick WHERE tick_queue = ferry.queue_id($1) AND tick_id > $2 AND tick_id < $3 ORDER BY tick_id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = batch.Queue });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.PreviousTickId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.TickId });
        var ticks = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ticks.Add(reader.GetInt64(0));
        }
        return ticks;
    }

    /// <summary>
    /// Writes <paramref name="events"/> (the whole batch, in id order) into the branch's queue and closes tick
    /// <see cref="Batch.TickId"/> there; returns how many events it wrote. A batch whose tick the branch already holds is
    /// refused by <c>ferry.tick</c> (its tick id is not above the newest), which rolls the caller's transaction back.
    /// </summary>
    /// <param name="innerTicks">The batch's empty inner ticks (<see cref="InnerTicksAsync"/>), closed first, in order.</param>
    public async Task<long> ForwardAsync(
        NpgsqlConnection branch, NpgsqlTransaction transaction, Batch batch, IReadOnlyList<long> innerTicks,
        IAsyncEnumerable<QueueEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(branch);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(innerTicks);
        ArgumentNullException.ThrowIfNull(events);
        foreach (var inner in innerTicks)
        {
            await TickAsync(branch, transaction, inner, cancellationToken).ConfigureAwait(false);
        }
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
                "SELECT setval(format('ferry.event_%s_id_seq', q)::regclass, greatest($2, ferry.event_position(q))) "
                + "FROM ferry.queue_id($1) AS q",
                branch, transaction);
            position.Parameters.Add(new NpgsqlParameter<string> { TypedValue = queue });
            position.Parameters.Add(new NpgsqlParameter<long> { TypedValue = highest });
            await position.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await TickAsync(branch, transaction, batch.TickId, cancellationToken).ConfigureAwait(false);
        // The tick's snapshot was taken inside this transaction, which it sees as not yet finished (at or above its xmax, or
        // in its xip): the events just written would fall into the branch's NEXT batch. This transaction commits with the
        // tick, so the tick may see it as finished: xmax moves past it, the transactions it thereby passes stay running (in
        // xip), and it leaves xip. Then the events belong to the batch that ends at this tick, as on the provider
        // (ForwardTests). The inner ticks above keep it running, since the events, written after them, are not theirs.
        await using var own = new NpgsqlCommand(
            """
            UPDATE ferry.tick SET
                   tick_xip = ARRAY(SELECT x FROM unnest(tick_xip) AS x WHERE x <> m.me
                                    UNION SELECT generate_series(tick_xmax, m.me - 1) ORDER BY 1),
                   tick_xmax = greatest(tick_xmax, m.me + 1)
              FROM (SELECT ferry.current_txid() AS me) AS m
             WHERE tick_queue = ferry.queue_id($1) AND tick_id = $2
            """,
            branch, transaction);
        own.Parameters.Add(new NpgsqlParameter<string> { TypedValue = queue });
        own.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.TickId });
        await own.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return written;
    }

    private async Task TickAsync(NpgsqlConnection branch, NpgsqlTransaction transaction, long tickId, CancellationToken cancellationToken)
    {
        await using var tick = new NpgsqlCommand("SELECT ferry.tick($1, $2)", branch, transaction);
        tick.Parameters.Add(new NpgsqlParameter<string> { TypedValue = queue });
        tick.Parameters.Add(new NpgsqlParameter<long> { TypedValue = tickId });
        await tick.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
