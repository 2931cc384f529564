using System.Data;
using System.Globalization;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Npgsql;

namespace Ferry.Engine.Compare;

/// <summary>
/// One moment at which a subscription's source tables and their target tables hold the same rows: the source read at a tick,
/// the target read when it has applied exactly that tick. Both snapshots stay exported while this object lives, so that
/// several connections read them (docs/decisions/ADR-016-compare-and-repair.md).
/// </summary>
/// <remarks>
/// <para>
/// Source: in one short transaction, <c>LOCK TABLE ... IN SHARE MODE</c> (it waits for the open writers of those tables and
/// blocks new ones), <c>ferry.tick</c>, and <c>ferry.hold_consumer</c> at that tick; while the lock is held, a second
/// connection opens a REPEATABLE READ transaction and exports its snapshot; then the lock goes. No write to the tables can
/// fall between the tick and the snapshot, so the snapshot holds exactly the tables' rows at the tick. Writers wait for the
/// lock at most <see cref="CompareOptions.LockTimeout"/>, and in practice for a few milliseconds.
/// </para>
/// <para>
/// Target: the held consumer opens no batch past the tick (<c>ferry.next_batch</c>, queue schema version 6), so the apply
/// loop, wherever it runs, applies up to the tick and waits there. Once the target records the tick, a REPEATABLE READ
/// transaction there exports its snapshot and the hold is released: the apply loop stops for that moment only. A hold ends
/// by itself after <see cref="CompareOptions.HoldTimeout"/>, so a compare that dies never stops replication for longer.
/// </para>
/// </remarks>
public sealed class ConsistentPoint : IAsyncDisposable
{
    private readonly NpgsqlConnection _source;
    private readonly NpgsqlConnection _target;
    private (NpgsqlDataSource Source, string Queue, string Consumer)? _hold;

    private ConsistentPoint(long tick, NpgsqlConnection source, string sourceSnapshot, NpgsqlConnection target, string targetSnapshot)
    {
        Tick = tick;
        _source = source;
        SourceSnapshot = sourceSnapshot;
        _target = target;
        TargetSnapshot = targetSnapshot;
    }

    /// <summary>The tick both snapshots stand at.</summary>
    public long Tick { get; }

    /// <summary>The exported source snapshot (<c>SET TRANSACTION SNAPSHOT</c>).</summary>
    public string SourceSnapshot { get; }

    /// <summary>The exported target snapshot.</summary>
    public string TargetSnapshot { get; }

    /// <summary>Takes a consistent point for the tables of <paramref name="rules"/>, each of which must be <c>ok</c> on the target.</summary>
    /// <param name="keepHold">
    /// Keep the consumer held at the tick until <see cref="ReleaseHoldAsync"/> (or disposal): a repair locks the target's
    /// subscription row first, so that no batch applies between the tick and its transaction.
    /// </param>
    /// <param name="queue">The set's queue.</param>
    /// <param name="consumer">The subscription's consumer (also its name in the target's state).</param>
    /// <exception cref="CompareRefusedException">
    /// A table is not ok (still copying, in error), another compare holds the subscription, or the subscription did not reach
    /// the tick in time (not running, or far behind). Nothing is left held.
    /// </exception>
    public static async Task<ConsistentPoint> TakeAsync(
        NpgsqlDataSource source, NpgsqlDataSource target, string queue, string consumer, IReadOnlyList<TableRule> rules,
        CompareOptions options, TimeProvider time, bool keepHold, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var store = new TargetStateStore(target, consumer);
        CheckStates(await store.GetTablesAsync(cancellationToken).ConfigureAwait(false), rules);

        var (tick, sourceConnection, sourceSnapshot) = await TickAndExportAsync(source, queue, consumer, rules, options, cancellationToken)
            .ConfigureAwait(false);
        try
        {
            await WaitForTickAsync(store, tick, options.HoldTimeout, time, cancellationToken).ConfigureAwait(false);
            var (targetConnection, targetSnapshot) = await ExportTargetAsync(target, consumer, tick, rules, cancellationToken)
                .ConfigureAwait(false);
            var point = new ConsistentPoint(tick, sourceConnection, sourceSnapshot, targetConnection, targetSnapshot);
            if (keepHold)
            {
                point._hold = (source, queue, consumer);
            }
            else
            {
                await ReleaseAsync(source, queue, consumer, tick).ConfigureAwait(false);
            }
            return point;
        }
        catch
        {
            await sourceConnection.DisposeAsync().ConfigureAwait(false);
            await ReleaseAsync(source, queue, consumer, tick).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Exports a snapshot on each side without a tick or a hold, for measurements of the compare walk on tables nobody writes
    /// (the two snapshots are not a consistent point otherwise).
    /// </summary>
    internal static async Task<ConsistentPoint> OfQuietTablesAsync(NpgsqlDataSource source, NpgsqlDataSource target, CancellationToken cancellationToken)
    {
        var sourceConnection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var targetConnection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return new ConsistentPoint(0, sourceConnection, await ExportAsync(sourceConnection, cancellationToken).ConfigureAwait(false),
            targetConnection, await ExportAsync(targetConnection, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Ends a hold kept with <c>keepHold</c>; does nothing otherwise or when done already.</summary>
    public async Task ReleaseHoldAsync()
    {
        if (_hold is { } hold)
        {
            _hold = null;
            await ReleaseAsync(hold.Source, hold.Queue, hold.Consumer, Tick).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ReleaseHoldAsync().ConfigureAwait(false);
        await _source.DisposeAsync().ConfigureAwait(false);
        await _target.DisposeAsync().ConfigureAwait(false);
    }

    private static void CheckStates(IReadOnlyList<TableStateRow> states, IReadOnlyList<TableRule> rules)
    {
        foreach (var rule in rules)
        {
            var state = states.SingleOrDefault(s => s.SourceTable == rule.SourceTable)?.State;
            if (state != TableState.Ok)
            {
                var now = state is null ? "not on the target yet" : TableStateMachine.Text(state.Value);
                throw new CompareRefusedException(
                    $"{rule.Source} cannot be compared while it is {now}: compare it once its copy has caught up (state ok).");
            }
        }
    }

    private static async Task<(long Tick, NpgsqlConnection Connection, string Snapshot)> TickAndExportAsync(
        NpgsqlDataSource source, string queue, string consumer, IReadOnlyList<TableRule> rules, CompareOptions options,
        CancellationToken cancellationToken)
    {
        await using var locker = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await locker.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var lockMs = Math.Max(1L, (long)options.LockTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        var tables = string.Join(", ", rules.Select(r => r.Source.Quoted).Distinct(StringComparer.Ordinal));
        long tick;
        try
        {
            await using (var lockTables = new NpgsqlCommand(
                $"SET LOCAL lock_timeout = {lockMs}; LOCK TABLE {tables} IN SHARE MODE", locker, transaction))
            {
                await lockTables.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using var command = new NpgsqlCommand(
                "SELECT t.tick, ferry.hold_consumer($1, $2, t.tick, $3) FROM (SELECT ferry.tick($1) AS tick) AS t", locker, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = queue });
            command.Parameters.Add(new NpgsqlParameter { Value = consumer });
            command.Parameters.Add(new NpgsqlParameter { Value = options.HoldTimeout });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            tick = reader.GetInt64(0);
            if (!reader.GetBoolean(1))
            {
                throw new CompareRefusedException(
                    $"Another compare holds subscription '{consumer}' at a tick of its own: try again when it has finished.");
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            throw new CompareRefusedException(
                $"The source tables ({tables}) could not be locked within {options.LockTimeout.TotalSeconds:0.#} s (a long "
                + "transaction writes to them): try again later.");
        }

        // The snapshot is taken by the export, while the lock is still held.
        var exporter = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var snapshot = await ExportAsync(exporter, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return (tick, exporter, snapshot);
        }
        catch
        {
            await exporter.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task WaitForTickAsync(
        TargetStateStore store, long tick, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var row = await store.GetSubscriptionAsync(cancellationToken).ConfigureAwait(false);
            if (row.LastTick == tick)
            {
                return;
            }
            if (row.LastTick > tick)
            {
                throw new InvalidOperationException(
                    $"Subscription '{store.Subscription}' applied past the compare's tick {tick} (its hold ended): compare again.");
            }
            if (row.State == "error")
            {
                throw new CompareRefusedException($"Subscription '{store.Subscription}' is stopped on an error: {row.Error}");
            }
            if (time.GetElapsedTime(started) > timeout)
            {
                throw new CompareRefusedException(
                    $"Subscription '{store.Subscription}' did not apply up to tick {tick} within {timeout.TotalSeconds:0} s (it is at "
                    + $"{row.LastTick?.ToString(CultureInfo.InvariantCulture) ?? "no tick"}): is it running and caught up?");
            }
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(500, delay.TotalMilliseconds * 2));
        }
    }

    private static async Task<(NpgsqlConnection Connection, string Snapshot)> ExportTargetAsync(
        NpgsqlDataSource target, string consumer, long tick, IReadOnlyList<TableRule> rules, CancellationToken cancellationToken)
    {
        var connection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var snapshot = await ExportAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (var command = new NpgsqlCommand("SELECT last_tick FROM ferry.subscription WHERE name = $1", connection))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = consumer });
                if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long seen || seen != tick)
                {
                    throw new InvalidOperationException($"The target of '{consumer}' moved past tick {tick} before its snapshot: compare again.");
                }
            }
            CheckStates(await new TargetStateStore(target, consumer).GetTablesAsync(connection, null, false, cancellationToken)
                .ConfigureAwait(false), rules);
            return (connection, snapshot);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens a READ ONLY REPEATABLE READ transaction and exports its snapshot (taken by that first query).</summary>
    private static async Task<string> ExportAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot()", connection);
        return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Ends the hold, whatever happened; a failure here only leaves the hold to expire by itself.</summary>
    private static async Task ReleaseAsync(NpgsqlDataSource source, string queue, string consumer, long tick)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await using var command = source.CreateCommand("SELECT ferry.release_consumer($1, $2, $3)");
            command.Parameters.Add(new NpgsqlParameter { Value = queue });
            command.Parameters.Add(new NpgsqlParameter { Value = consumer });
            command.Parameters.Add(new NpgsqlParameter { Value = tick });
            await command.ExecuteNonQueryAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            // The hold ends at its time (ferry.consumer.consumer_hold_until).
        }
    }
}
