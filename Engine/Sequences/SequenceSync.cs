using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Sequences;

/// <summary>
/// Carries sequence values from source to target. A target sequence never moves backwards: a value behind the target's
/// (in the sequence's own direction) is ignored.
/// </summary>
public static class SequenceSync
{
    // The first key of the advisory lock that serialises the moves of one target sequence ("FSEQ").
    private const int SequenceLockClass = 0x46534551;

    /// <summary>Reads a sequence's position.</summary>
    public static async Task<SequenceValue> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, TableName sequence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        await using var command = new NpgsqlCommand($"SELECT last_value, is_called FROM {sequence.Quoted}", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new SequenceValue(reader.GetInt64(0), reader.GetBoolean(1));
    }

    /// <summary>
    /// Moves the target sequence to <paramref name="value"/> when that is ahead of it; returns whether it moved. Runs in the
    /// caller's transaction when one is given (<c>setval</c> itself is never rolled back), else in one of its own.
    /// </summary>
    /// <remarks>
    /// Several sources may carry values onto one target sequence at once (a merge, docs/decisions/ADR-021-merge.md): the read
    /// and the <c>setval</c> run under a transaction advisory lock on the sequence, so the highest value wins whatever the
    /// order, never the last one written.
    /// </remarks>
    public static async Task<bool> ApplyAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, TableName sequence, SequenceValue value,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(sequence);
        if (transaction is null)
        {
            await using var own = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var moved = await ApplyAsync(connection, own, sequence, value, cancellationToken).ConfigureAwait(false);
            await own.CommitAsync(cancellationToken).ConfigureAwait(false);
            return moved;
        }
        await using (var lockSequence = new NpgsqlCommand(
            "SELECT pg_advisory_xact_lock($1, $2::regclass::oid::int4)", connection, transaction))
        {
            lockSequence.Parameters.Add(new NpgsqlParameter<int> { TypedValue = SequenceLockClass });
            lockSequence.Parameters.Add(new NpgsqlParameter { Value = sequence.Quoted });
            await lockSequence.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        long increment;
        await using (var command = new NpgsqlCommand("SELECT seqincrement FROM pg_sequence WHERE seqrelid = $1::regclass", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = sequence.Quoted });
            increment = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"{sequence} is not a sequence on the target."));
        }
        var current = await ReadAsync(connection, transaction, sequence, cancellationToken).ConfigureAwait(false);
        var ahead = increment > 0 ? value.Next(increment) > current.Next(increment) : value.Next(increment) < current.Next(increment);
        if (!ahead)
        {
            return false;
        }
        await using var set = new NpgsqlCommand("SELECT setval($1::regclass, $2, $3)", connection, transaction);
        set.Parameters.Add(new NpgsqlParameter { Value = sequence.Quoted });
        set.Parameters.Add(new NpgsqlParameter { Value = value.LastValue });
        set.Parameters.Add(new NpgsqlParameter { Value = value.IsCalled });
        await set.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Reads each source sequence and applies it to its target sequence; returns how many moved.</summary>
    public static async Task<int> SyncAsync(
        NpgsqlDataSource source, NpgsqlDataSource target, IEnumerable<(TableName Source, TableName Target)> sequences,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(sequences);
        await using var sourceConnection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var targetConnection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var moved = 0;
        foreach (var (from, to) in sequences)
        {
            var value = await ReadAsync(sourceConnection, null, from, cancellationToken).ConfigureAwait(false);
            if (await ApplyAsync(targetConnection, null, to, value, cancellationToken).ConfigureAwait(false))
            {
                moved++;
            }
        }
        return moved;
    }
}
