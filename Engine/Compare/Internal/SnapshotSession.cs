using System.Data;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;

namespace Ferry.Engine.Compare.Internal;

/// <summary>
/// A connection in a READ ONLY REPEATABLE READ transaction that reads one exported snapshot (the compare's consistent point),
/// with the settings that fix the output texts of a row the same way on both sides (docs/decisions/ADR-016-compare-and-repair.md).
/// </summary>
internal sealed partial class SnapshotSession : IAsyncDisposable
{
    /// <summary>
    /// Output texts depend on these settings; fixed on both sides, a value prints the same on PostgreSQL 13 and 18
    /// (extra_float_digits above 0 gives the shortest exact float text since PostgreSQL 12).
    /// </summary>
    public const string OutputSettings =
        "SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 3; "
        + "SET LOCAL TimeZone = 'UTC'; SET LOCAL bytea_output = 'hex'";

    private SnapshotSession(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    public static async Task<SnapshotSession> OpenAsync(
        NpgsqlDataSource data, string snapshot, TimeSpan statementTimeout, CancellationToken cancellationToken)
    {
        if (!SnapshotId().IsMatch(snapshot))
        {
            throw new ArgumentException($"'{snapshot}' is not a snapshot id.", nameof(snapshot));
        }
        var connection = await data.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            var timeout = Math.Max(1L, (long)statementTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            // SET TRANSACTION SNAPSHOT must come before the transaction's first query.
            await using var command = new NpgsqlCommand(
                $"SET TRANSACTION READ ONLY; SET TRANSACTION SNAPSHOT '{snapshot}'; {OutputSettings}; SET LOCAL statement_timeout = {timeout}",
                connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return new SnapshotSession(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public NpgsqlCommand Command(string sql, KeyRange? range = null)
    {
        var command = new NpgsqlCommand(sql, Connection, Transaction);
        if (range is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = (object?)range.After ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = (object?)range.UpTo ?? DBNull.Value });
        }
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync().ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
    }

    [GeneratedRegex("^[0-9A-Fa-f-]+$")]
    private static partial Regex SnapshotId();
}
