using Ferry.Engine.Apply;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Control;
using Ferry.Engine.Copy;
using Ferry.Engine.Drift;
using Ferry.Engine.Errors;
using Ferry.Engine.Metrics;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ferry.Engine.Replication;

/// <summary>
/// Runs one subscription until it is paused, dropped, stopped by an error, or the process shuts down: the apply loop
/// (batch after batch, waking on the ticker's NOTIFY), and the subscription's table copies through a
/// <see cref="CopyCoordinator"/>, at most <see cref="ReplicationOptions.MaxConcurrentCopies"/> at a time. Table states move
/// <c>new → copying → catching-up → ok</c> on the target and are mirrored into the control database (state, rows copied and
/// estimated, last error) for the portal (<c>Internal/SubscriptionMirror</c>). Every
/// <see cref="ReplicationOptions.ControlPollInterval"/> it rereads the subscription and rebuilds itself when its tables changed.
/// </summary>
/// <remarks>
/// <para>
/// Exactly one runner per subscription: <see cref="RunAsync"/> first takes a session-level advisory lock in the control
/// database keyed by the subscription id (<c>pg_try_advisory_lock(0x66726170, id)</c>) on a connection of its own, waiting
/// at most <see cref="ReplicationOptions.LockWait"/>. When two portals (or a Hangfire re-delivery and the supervisor) start
/// the same subscription, one gets the lock and runs; the other returns at once and its job ends. When the running process
/// dies, PostgreSQL ends its session and frees the lock, and the supervisor's next round starts the loop elsewhere. Even
/// a stray second applier could not apply twice: the apply transaction locks the subscription's row on the target and
/// records the batch's tick there (exactly-once apply: docs/architecture.md).
/// </para>
/// <para>
/// Throughput: the events each batch applied (and kept events replayed when a copy ends; never copied rows) are counted in
/// memory per minute and added to <see cref="ThroughputBucket"/>s at most once per control poll and when the runner stops,
/// for the dashboard's chart. They are statistics: a crash loses the counts of at most one poll interval.
/// </para>
/// <para>
/// Errors: the apply loop retries transient errors itself, stops the failing event's table on a permanent one, or the
/// subscription when no event is to blame (kept on the target, mirrored here as <see cref="SubscriptionState.Error"/> with
/// the message); every error goes to the error history (docs/decisions/ADR-017-error-history.md). Anything else failing around it (the
/// control database, a node not answering while the loop is set up) is retried here with backoff and logged.
/// </para>
/// </remarks>
public sealed class SubscriptionRunner(
    IDbContextFactory<ControlDbContext> contexts, Nodes.NodeDataSources nodes, IOptions<ReplicationOptions> options, TimeProvider time,
    ILoggerFactory loggers, FerryMetrics metrics, IOptions<ApplyOptions>? apply = null, ErrorJournals? errors = null)
{
    private readonly Nodes.NodeDataSources _nodes = nodes;
    private readonly ILogger _logger = loggers.CreateLogger<SubscriptionRunner>();
    private readonly IReadOnlyDictionary<string, IHandler> _handlers = HandlerRegistry.With(apply?.Value ?? new ApplyOptions());

    /// <summary>Runs the subscription's loop; returns when it should not run (paused, dropped, error) or runs elsewhere.</summary>
    public async Task RunAsync(int subscriptionId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var mirror = new SubscriptionMirror(contexts, subscriptionId, time);
        var control = await mirror.ConnectionStringAsync(cancellationToken).ConfigureAwait(false);
        await using var held = await LoopLock
            .TryAcquireAsync(control, LoopLock.ApplyClass, subscriptionId, settings.LockWait, time, cancellationToken)
            .ConfigureAwait(false);
        if (held is null)
        {
            _logger.LoopBusy("apply", subscriptionId);
            return;
        }
        var throughput = new ThroughputCounter(subscriptionId, time);
        try
        {
            await RunGenerationsAsync(subscriptionId, mirror, held, settings, throughput, errors?.For(subscriptionId), cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            await FlushOnStopAsync(subscriptionId, mirror, throughput).ConfigureAwait(false);
            metrics.CopiesStopped(subscriptionId);
        }
    }

    private async Task RunGenerationsAsync(
        int subscriptionId, SubscriptionMirror mirror, LoopLock held, ReplicationOptions settings, ThroughputCounter throughput,
        SubscriptionErrorJournal? journal, CancellationToken cancellationToken)
    {
        var attempts = 0;
        var failingSince = 0L;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (attempts > 0 && !await held.IsAliveAsync(cancellationToken).ConfigureAwait(false))
            {
                _logger.ApplyEnded(subscriptionId, "it lost its lock while failing; the supervisor starts it again");
                return;
            }
            try
            {
                var ended = await RunGenerationAsync(subscriptionId, mirror, held, settings, throughput, journal, cancellationToken)
                    .ConfigureAwait(false);
                if (attempts > 0)
                {
                    _logger.ApplyRecovered(subscriptionId, time.GetElapsedTime(failingSince));
                    attempts = 0;
                }
                if (ended is not null)
                {
                    _logger.ApplyEnded(subscriptionId, ended);
                    return;
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
            {
                if (attempts++ == 0)
                {
                    failingSince = time.GetTimestamp();
                }
                var delay = TimeSpan.FromTicks(
                    Math.Min(settings.MaxBackoff.Ticks, settings.InitialBackoff.Ticks << Math.Min(attempts - 1, 20)));
                _logger.ApplyFailed(e, subscriptionId, attempts, time.GetElapsedTime(failingSince), delay);
                await (journal?.RunnerFailedAsync(e, cancellationToken) ?? Task.CompletedTask).ConfigureAwait(false);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One build of the loop for the subscription as the control database has it now.</summary>
    /// <returns>Why the loop ends, or null when it must be rebuilt (its tables changed).</returns>
    private async Task<string?> RunGenerationAsync(
        int subscriptionId, SubscriptionMirror mirror, LoopLock held, ReplicationOptions settings, ThroughputCounter throughput,
        SubscriptionErrorJournal? journal, CancellationToken cancellationToken)
    {
        var subscription = await mirror.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (subscription is null)
        {
            return "the subscription was dropped";
        }
        if (subscription.State != SubscriptionState.Active)
        {
            return $"the subscription is {subscription.State}";
        }
        var set = subscription.Set!;
        var figures = new LoopMetrics(metrics, new SubscriptionLabels(subscriptionId, set.Name, subscription.TargetNode!.Name), time);
        await using var source = _nodes.Open(set.RootNode!, "ferry-apply");
        await using var target = _nodes.Open(subscription.TargetNode!, "ferry-apply");
        var store = new TargetStateStore(target, subscription.ConsumerName);
        var (rules, handlers) = await LoopRules.BuildAsync(
            subscription, source, target, store, mirror, settings.AddMissingColumns, _handlers, _logger, cancellationToken).ConfigureAwait(false);
        var bySource = rules.Values.ToDictionary(r => r.SourceTable, StringComparer.Ordinal);
        journal?.UseTables(rules.ToDictionary(r => r.Value.SourceTable, r => r.Key, StringComparer.Ordinal));
        var handler = new TableHandlers(handlers, HandlerRegistry.Find(null, _handlers)!);
        var signature = LoopSignature.Of(subscription);
        var consumer = new QueueConsumer(source, set.QueueName, subscription.ConsumerName);
        var drift = new DriftWatch(source, target);
        await drift.LoadAsync(rules.Values, cancellationToken).ConfigureAwait(false);
        var apply = new ApplyLoop(
            new QueueBatchSource(consumer, source), target, store, [.. rules.Values], handler,
            new ApplyLoopOptions
            {
                InitialBackoff = settings.InitialBackoff, MaxBackoff = settings.MaxBackoff, TransientError = figures.TransientError,
                Errors = journal,
            }, time,
            loggers.CreateLogger<ApplyLoop>(), drift);
        await using var listener = await consumer.ListenAsync(cancellationToken).ConfigureAwait(false);
        var copyOptions = new CopyOptions { MaxConcurrentCopies = settings.MaxConcurrentCopies, RetryDelay = settings.InitialBackoff };
        // Disposed first when the loop ends: stops the running copies before the data sources go.
        await using var copies = new CopyCoordinator(
            new TableCopy(source, target, store, handler, copyOptions), store, copyOptions, time,
            loggers.CreateLogger<CopyCoordinator>(), figures.Copies);
        _logger.ApplyStarted(subscriptionId, rules.Count);
        var lastPoll = time.GetTimestamp();
        var counted = 0L;
        var running = journal is null;
        try
        {
            while (true)
            {
                figures.BatchStarting();
                var outcome = await apply.RunOnceAsync(cancellationToken).ConfigureAwait(false);
                var applied = apply.EventsApplied;
                throughput.Add(applied - counted);
                figures.BatchEnded(outcome, applied - counted);
                counted = applied;
                if (outcome == ApplyOutcome.Stopped)
                {
                    var row = await store.GetSubscriptionAsync(cancellationToken).ConfigureAwait(false);
                    await mirror.MarkErrorAsync(row, cancellationToken).ConfigureAwait(false);
                    return "the apply loop stopped on an error";
                }
                if (!running && outcome is ApplyOutcome.Applied or ApplyOutcome.Idle)
                {
                    // The subscription's own errors (it stopped, was resumed; or it failed to start) end here.
                    running = true;
                    await journal!.RunningAsync(cancellationToken).ConfigureAwait(false);
                }
                if (outcome == ApplyOutcome.RulesChanged)
                {
                    // A source table changed shape in a way its rule follows (docs/decisions/ADR-014-exact-row-encoding.md).
                    return null;
                }
                // The copied rows are not events; the events kept while a copy ran and replayed at its end are.
                throughput.Add(figures.Replayed(await copies.ReapAsync(cancellationToken).ConfigureAwait(false)));
                var tables = await store.GetTablesAsync(cancellationToken).ConfigureAwait(false);
                copies.StartDue(tables, bySource);
                if (time.GetElapsedTime(lastPoll) >= settings.ControlPollInterval)
                {
                    lastPoll = time.GetTimestamp();
                    if (!await held.IsAliveAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return "it lost its lock (its control database session ended); the supervisor starts it again";
                    }
                    await mirror.FlushAsync(throughput, cancellationToken).ConfigureAwait(false);
                    var current = await mirror.MirrorTablesAsync(rules, tables, copies.ProgressOf, cancellationToken).ConfigureAwait(false);
                    if (current is null)
                    {
                        return "the subscription was dropped";
                    }
                    if (current.State != SubscriptionState.Active)
                    {
                        return $"the subscription is {current.State}";
                    }
                    if (signature.MustRebuild(LoopSignature.Of(current), copiesRunning: copies.Running > 0))
                    {
                        return null;
                    }
                }
                if (outcome == ApplyOutcome.Idle)
                {
                    if (tables.Any(t => t.State == TableState.CatchingUp))
                    {
                        // A catching-up table is ok once a batch starts past its copy; on an idle queue the ticker would
                        // wait its idle period for that tick. Ticks are serialized on the root, so an extra one is harmless.
                        await new QueueAdmin(source).TickAsync(set.QueueName, cancellationToken).ConfigureAwait(false);
                    }
                    await listener.WaitAsync(settings.IdleWait, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // Also what a batch committed before a cancellation or an error ended the loop.
            throughput.Add(apply.EventsApplied - counted);
        }
    }

    /// <summary>
    /// The last flush, whatever ended the runner (also a shutdown, hence a token of its own). Failing, it loses only statistics:
    /// logged, never thrown over what ended the runner.
    /// </summary>
    private async Task FlushOnStopAsync(int subscriptionId, SubscriptionMirror mirror, ThroughputCounter throughput)
    {
        if (throughput.IsEmpty)
        {
            return;
        }
        var pending = throughput.Pending;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
            await mirror.FlushAsync(throughput, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            _logger.ThroughputLost(e, subscriptionId, pending);
        }
    }
}
