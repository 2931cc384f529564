using Ferry.Engine.Control;
using Ferry.Engine.Replication.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Replication;

/// <summary>
/// Starts the loops that should run and do not: a ticker per set, an apply loop per active subscription. A loop runs when
/// some process holds its lock (see <see cref="SubscriptionRunner"/>), so this holds after a portal restart, a crash, or
/// when the process running it died; it only asks, it takes no lock itself.
/// </summary>
public sealed class ReplicationSupervisor(
    IDbContextFactory<ControlDbContext> contexts, IReplicationLoopStarter loops, ILogger<ReplicationSupervisor> logger)
{
    /// <summary>Starts what is missing; returns how many tickers and apply loops it started.</summary>
    public async Task<(int Tickers, int Applies)> StartMissingAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var sets = await context.Sets.AsNoTracking().Select(s => s.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        var subscriptions = await context.Subscriptions.AsNoTracking().Where(s => s.State == SubscriptionState.Active)
            .Select(s => s.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = new NpgsqlConnection(context.Database.GetConnectionString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var tickers = 0;
        foreach (var id in sets)
        {
            if (!await LoopLock.IsHeldAsync(connection, LoopLock.TickerClass, id, cancellationToken).ConfigureAwait(false))
            {
                loops.StartTicker(id);
                tickers++;
            }
        }
        var applies = 0;
        foreach (var id in subscriptions)
        {
            if (!await LoopLock.IsHeldAsync(connection, LoopLock.ApplyClass, id, cancellationToken).ConfigureAwait(false))
            {
                loops.StartApply(id);
                applies++;
            }
        }
        if (tickers + applies > 0)
        {
            logger.SupervisorStarted(tickers, applies);
        }
        return (tickers, applies);
    }
}
