using Npgsql;

namespace Ferry.Engine.Replication.Internal;

/// <summary>
/// A session-level advisory lock in the control database, held on a connection of its own (not pooled, so closing it
/// ends the session and frees the lock, also when the process dies: the server notices the closed socket).
/// </summary>
internal sealed class LoopLock : IAsyncDisposable
{
    // First key of the two-key advisory lock; the second is the set or subscription id.
    public const int TickerClass = 0x6672746b; // "frtk"
    public const int ApplyClass = 0x66726170; // "frap"
    public const int CompareClass = 0x66726370; // "frcp", the second key a compare report's id


    private readonly NpgsqlConnection _connection;

    private LoopLock(NpgsqlConnection connection) => _connection = connection;

    /// <summary>Takes the lock, waiting up to <paramref name="wait"/> for it; null when another session keeps it.</summary>
    public static async Task<LoopLock?> TryAcquireAsync(
        string controlConnectionString, int lockClass, int id, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(controlConnectionString) { Pooling = false, ApplicationName = "ferry-loop-lock" };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var started = time.GetTimestamp();
            while (true)
            {
                await using (var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, $2)", connection))
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = lockClass });
                    command.Parameters.Add(new NpgsqlParameter { Value = id });
                    if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                    {
                        return new LoopLock(connection);
                    }
                }
                if (time.GetElapsedTime(started) >= wait)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    return null;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Whether some session holds the lock now (the supervisor's question; no lock is taken).</summary>
    public static async Task<bool> IsHeldAsync(NpgsqlConnection connection, int lockClass, int id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database "
            + "WHERE datname = current_database()) AND classid = $1::int::oid AND objid = $2::int::oid AND objsubid = 2 AND granted)",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = lockClass });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Whether the lock's session still lives. A runner whose session was ended (the connection dropped, an administrator's
    /// pg_terminate_backend) no longer holds the lock and must stop, or a second runner could start beside it.
    /// </summary>
    public async Task<bool> IsAliveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT 1", _connection);
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
