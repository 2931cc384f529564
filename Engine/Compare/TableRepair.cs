using Ferry.Engine.Apply;
using Ferry.Engine.Compare.Internal;
using Ferry.Engine.Rules;
using Ferry.Engine.Sql;
using Ferry.Engine.Target;
using Npgsql;
using NpgsqlTypes;

namespace Ferry.Engine.Compare;

/// <summary>
/// Repairs rows of one table rule on the target (docs/decisions/ADR-016-compare-and-repair.md): for each key, the target gets
/// the source's row at a new consistent point, or loses its row when the source has none (inside the filter). Everything is
/// written in ONE target transaction that holds the subscription's row (the apply loop waits for it) while the target stands
/// at the consistent point's tick, so no batch applies in between and replication goes on exactly after it.
/// </summary>
/// <remarks>
/// Rows travel as text rows (each column's output text, read in the compare's pinned output settings) and become typed rows
/// through each type's input function on the target, exactly the way the apply loop's handlers write events
/// (<see cref="TargetTableSql"/>, docs/decisions/ADR-014-exact-row-encoding.md, docs/decisions/ADR-018-compare-portal-and-resync-in-place.md),
/// with the apply's input settings (<see cref="ApplySession"/>) and <c>session_replication_role = replica</c> when allowed.
/// Keys are given as the key columns' output texts (what a compare report keeps).
/// </remarks>
public sealed class TableRepair(NpgsqlDataSource source, NpgsqlDataSource target, CompareOptions options, TimeProvider time)
{
    private const int Chunk = 500;

    /// <exception cref="CompareRefusedException">As <see cref="ConsistentPoint.TakeAsync"/>.</exception>
    public async Task<RepairResult> RepairAsync(
        string queue, string consumer, TableRule rule, IReadOnlyList<IReadOnlyList<string?>> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(keys);
        await using var point = await ConsistentPoint.TakeAsync(source, target, queue, consumer, [rule], options, time, keepHold: true,
            cancellationToken).ConfigureAwait(false);
        await using var connection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var hold = new NpgsqlCommand("SELECT last_tick FROM ferry.subscription WHERE name = $1 FOR UPDATE", connection, transaction))
        {
            hold.Parameters.Add(new NpgsqlParameter { Value = consumer });
            if (await hold.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long tick || tick != point.Tick)
            {
                throw new InvalidOperationException($"The target of '{consumer}' moved past tick {point.Tick} before the repair: repair again.");
            }
        }
        // The apply loop now waits for this transaction's lock on the subscription row, not for the hold.
        await point.ReleaseHoldAsync().ConfigureAwait(false);
        await ReplicaRole.TrySetAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await ApplySession.PinAsync(connection, transaction, "", cancellationToken).ConfigureAwait(false);
        await using (var stage = new NpgsqlCommand(
            "CREATE TEMP TABLE ferry_repair (data text NOT NULL) ON COMMIT DROP", connection, transaction))
        {
            await stage.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var sourceSide = new TableSide(rule, source: true);
        long written = 0;
        long deleted = 0;
        await using var session = await SnapshotSession.OpenAsync(source, point.SourceSnapshot, options.StatementTimeout, cancellationToken)
            .ConfigureAwait(false);
        for (var start = 0; start < keys.Count; start += Chunk)
        {
            var part = keys.Skip(start).Take(Chunk).ToList();
            var (rows, found) = await ReadSourceAsync(session, sourceSide, rule, part, cancellationToken).ConfigureAwait(false);
            var gone = part.Where(k => !found.Contains(Join(k))).ToList();
            deleted += await DeleteAsync(connection, transaction, rule, gone, cancellationToken).ConfigureAwait(false);
            written += await UpsertAsync(connection, transaction, rule, rows, cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new RepairResult(point.Tick, written, deleted);
    }

    private static async Task<(List<string> Rows, HashSet<string> Found)> ReadSourceAsync(
        SnapshotSession session, TableSide side, TableRule rule, List<IReadOnlyList<string?>> keys, CancellationToken cancellationToken)
    {
        var rows = new List<string>(keys.Count);
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using var command = session.Command(side.TextRowByKey());
        AddKeys(command, rule, keys);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(Join(reader.GetFieldValue<string?[]>(0)));
            rows.Add(reader.GetString(1));
        }
        return (rows, found);
    }

    private static async Task<long> DeleteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TableRule rule, List<IReadOnlyList<string?>> keys,
        CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return 0;
        }
        var byName = rule.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var names = rule.Key.Select((_, i) => "k" + i).ToArray();
        var arrays = string.Join(", ", names.Select((_, i) => $"${i + 1}::text[]"));
        var match = string.Join(" AND ", rule.Key.Select((k, i) => $"t.{Identifiers.Quote(k)} = u.{names[i]}::{byName[k].Type}"));
        await using var command = new NpgsqlCommand(
            $"DELETE FROM {rule.Target.Quoted} AS t USING unnest({arrays}) AS u({string.Join(", ", names)}) WHERE {match}", connection, transaction);
        AddKeys(command, rule, keys);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<long> UpsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TableRule rule, List<string> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return 0;
        }
        await using (var clear = new NpgsqlCommand("TRUNCATE pg_temp.ferry_repair", connection, transaction))
        {
            await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var importer = await connection.BeginBinaryImportAsync("COPY pg_temp.ferry_repair (data) FROM STDIN (FORMAT binary)", cancellationToken)
            .ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            foreach (var row in rows)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(row, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            }
            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        var upsert = TargetTableSql.Upsert(rule, "pg_temp.ferry_repair AS s CROSS JOIN LATERAL " + TargetTableSql.Populate(rule, "s.data::json"));
        await using var command = new NpgsqlCommand(upsert, connection, transaction);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void AddKeys(NpgsqlCommand command, TableRule rule, List<IReadOnlyList<string?>> keys)
    {
        for (var k = 0; k < rule.Key.Count; k++)
        {
            var column = k;
            command.Parameters.Add(new NpgsqlParameter
            {
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = keys.Select(key => key[column]).ToArray(),
            });
        }
    }

    private static string Join(IReadOnlyList<string?> key) => string.Concat(key.Select(k => k is null ? "-;" : $"{k.Length}:{k};"));
}
