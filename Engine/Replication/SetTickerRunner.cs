using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Ticker;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ferry.Engine.Replication;

/// <summary>Runs the ticker of one set's queue (<see cref="TickerLoop"/>) until the set is dropped or the process shuts down.</summary>
/// <remarks>
/// Exactly one runner per set: a session-level advisory lock in the control database keyed by the set id
/// (<c>pg_try_advisory_lock(0x6672746b, id)</c>), as for <see cref="SubscriptionRunner"/>: a second runner returns at once,
/// and the lock frees itself when the holding process dies. The <see cref="TickerLoop"/> also holds its own lock in the root
/// database, so two Ferry installations pointed at one root still tick it once.
/// </remarks>
public sealed class SetTickerRunner(
    IDbContextFactory<ControlDbContext> contexts, NodeDataSources nodes, IOptions<ReplicationOptions> options, TimeProvider time,
    ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger<SetTickerRunner>();

    public async Task RunAsync(int setId, CancellationToken cancellationToken)
    {
        string control;
        ReplicationSet? set;
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            control = context.Database.GetConnectionString()!;
            set = await context.Sets.AsNoTracking().Include(s => s.RootNode)
                .SingleOrDefaultAsync(s => s.Id == setId, cancellationToken).ConfigureAwait(false);
        }
        if (set is null)
        {
            return;
        }
        await using var held = await LoopLock
            .TryAcquireAsync(control, LoopLock.TickerClass, setId, options.Value.LockWait, time, cancellationToken)
            .ConfigureAwait(false);
        if (held is null)
        {
            _logger.LoopBusy("ticker", setId);
            return;
        }
        await using var root = nodes.Open(set.RootNode!, "ferry-ticker");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = WatchAsync(setId, stop);
        _logger.TickerStarted(setId, set.QueueName);
        await new TickerLoop(root, set.QueueName, new TickerOptions(), time, loggers.CreateLogger<TickerLoop>())
            .RunAsync(stop.Token).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await watch.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Stops the ticker when its set is dropped.</summary>
    private async Task WatchAsync(int setId, CancellationTokenSource stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(options.Value.ControlPollInterval * 5, time, stop.Token).ConfigureAwait(false);
                try
                {
                    await using var context = await contexts.CreateDbContextAsync(stop.Token).ConfigureAwait(false);
                    if (!await context.Sets.AnyAsync(s => s.Id == setId, stop.Token).ConfigureAwait(false))
                    {
                        await stop.CancelAsync().ConfigureAwait(false);
                    }
                }
                catch (Npgsql.NpgsqlException)
                {
                    // The control database is away for a moment: keep ticking, ask again later.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }
}
