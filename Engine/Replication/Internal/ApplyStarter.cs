using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ferry.Engine.Replication.Internal;

/// <summary>Starts a subscription's apply loop after a change to its tables, unless it runs already.</summary>
internal static class ApplyStarter
{
    /// <summary>
    /// Starts the subscription's apply loop unless it runs (its lock is held): a running loop takes a new or resynced table
    /// at its next control poll, and a start that only finds the lock taken would hold a loop worker for the lock wait
    /// (adding 1,000 tables one by one queued 1,000 such jobs).
    /// </summary>
    public static async Task StartUnlessRunningAsync(
        ControlDbContext context, IReplicationLoopStarter loops, int subscriptionId, CancellationToken cancellationToken)
    {
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = (NpgsqlConnection)context.Database.GetDbConnection();
            if (await LoopLock.IsHeldAsync(connection, LoopLock.ApplyClass, subscriptionId, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
        loops.StartApply(subscriptionId);
    }
}
