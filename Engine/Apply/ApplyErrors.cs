using System.Net.Sockets;
using Npgsql;

namespace Ferry.Engine.Apply;

/// <summary>
/// Sorts errors into transient (retry with backoff) and permanent (stop the subscription in state error), by SQLSTATE
/// class for server errors. <see href="https://www.postgresql.org/docs/current/errcodes-appendix.html"/>
/// </summary>
public static class ApplyErrors
{
    /// <summary>Whether retrying the same batch later may succeed without anyone changing anything.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        ApplyException { InnerException: { } inner } => IsTransient(inner),
        PostgresException e => IsTransientState(e.SqlState),
        // Connection refused or broken, timeouts: Npgsql's own errors carry no SQLSTATE.
        NpgsqlException => true,
        IOException or SocketException or TimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// 08 connection exception, 40 transaction rollback (serialization failure, deadlock), 53 insufficient resources,
    /// 57 operator intervention (shutdown, restart, cancel), 58 system error, 55P03 lock not available.
    /// </summary>
    public static bool IsTransientState(string sqlState)
    {
        ArgumentNullException.ThrowIfNull(sqlState);
        return sqlState.Length == 5
            && (sqlState[..2] is "08" or "40" or "53" or "57" or "58" || sqlState == PostgresErrorCodes.LockNotAvailable);
    }
}
