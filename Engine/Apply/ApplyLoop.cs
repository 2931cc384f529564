using System.Text.Json;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Apply.Internal;
using Ferry.Engine.Consumers;
using Ferry.Engine.Drift;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Apply;

/// <summary>
/// Applies one subscription's batches to its target: next batch → handler → ONE target transaction that applies the batch
/// and records its tick → finish the batch on the source. A batch whose tick the target already holds is finished without
/// being applied again (exactly-once apply: docs/architecture.md). Transient errors are retried with backoff; a permanent one
/// stops the failing event's table alone, in state error with its events kept, or, when no event can be blamed, the
/// subscription, with the message and the failing event kept on the target. Every error goes to the error history
/// (<see cref="ApplyLoopOptions.Errors"/>, docs/decisions/ADR-017-error-history.md).
/// </summary>
/// <remarks>
/// <para>
/// One loop per subscription at a time: the apply transaction locks the subscription's row on the target
/// (<c>SELECT ... FOR UPDATE</c>), so a second loop racing the first waits for it, then sees the tick it recorded and only
/// finishes the batch. Events of each table go through <see cref="CopyHandover.Decide"/>: applied, skipped, or kept while
/// the table's copy runs. A table of <paramref name="rules"/> without a state row on the target (not added yet, or removed)
/// is not applied.
/// </para>
/// <para>
/// Schema drift (docs/decisions/ADR-014-exact-row-encoding.md): with a <see cref="DriftWatch"/>, every applied event is checked
/// against its rule and the source's columns first. A table whose source changed shape stops alone, in state error, its
/// events kept on the target from that batch on (the batch runs again with the table stopped); or, when only the rule must
/// follow, nothing is applied and the loop returns <see cref="ApplyOutcome.RulesChanged"/>. A retried table (back in
/// catching-up with kept events) replays them at the start of the next batch.
/// </para>
/// </remarks>
public sealed class ApplyLoop(
    IBatchSource batches, NpgsqlDataSource target, TargetStateStore store, IReadOnlyList<TableRule> rules, IHandler handler,
    ApplyLoopOptions options, TimeProvider time, ILogger<ApplyLoop> logger, DriftWatch? drift = null)
{
    private readonly Dictionary<string, TableRule> _rules = rules.ToDictionary(r => r.SourceTable, StringComparer.Ordinal);
    private readonly Dictionary<string, string> _filters = rules
        .Where(r => r.Filter is not null)
        .ToDictionary(r => r.SourceTable, r => r.Filter!, StringComparer.Ordinal);
    private bool _prepared;
    private string? _moneyLocale;
    private bool _warnedReplicaRole;
    private long _eventsApplied;
    private long? _tick;

    /// <summary>Tables to stop in the next run of the open batch, each for the permanent error one of its events met.</summary>
    private readonly Dictionary<string, string> _failedTables = new(StringComparer.Ordinal);

    /// <summary>
    /// Events this loop has applied and committed on the target since it was created: each applied batch adds the events its
    /// handler applied (after filters and the copy handover; events kept for a running copy are not counted here, and a batch
    /// found already applied adds nothing). Readers take differences between two reads (the runner's throughput counter).
    /// </summary>
    public long EventsApplied => Interlocked.Read(ref _eventsApplied);

    /// <summary>Runs until cancelled or until a permanent error stops the subscription.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var outcome = await RunOnceAsync(cancellationToken).ConfigureAwait(false);
            if (outcome is ApplyOutcome.Stopped or ApplyOutcome.RulesChanged)
            {
                return;
            }
            if (outcome == ApplyOutcome.Idle)
            {
                await batches.WaitForBatchAsync(options.IdleDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One unit of work: applies (or finishes) at most one batch, retrying transient errors until it succeeds.</summary>
    public async Task<ApplyOutcome> RunOnceAsync(CancellationToken cancellationToken)
    {
        var attempts = 0;
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                if (!_prepared)
                {
                    await store.InstallAsync(cancellationToken).ConfigureAwait(false);
                    _prepared = true;
                }
                if ((await store.GetSubscriptionAsync(cancellationToken).ConfigureAwait(false)).State == "error")
                {
                    return ApplyOutcome.Stopped;
                }
                var outcome = await ApplyNextAsync(handler, commit: true, cancellationToken).ConfigureAwait(false);
                if (attempts > 0)
                {
                    logger.Recovered(store.Subscription, attempts, time.GetElapsedTime(started));
                    await (options.Errors?.PassedAsync([], cancellationToken) ?? Task.CompletedTask).ConfigureAwait(false);
                }
                return outcome;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && ApplyErrors.IsTransient(e))
            {
                attempts++;
                options.TransientError?.Invoke();
                var delay = TimeSpan.FromTicks(Math.Min(options.MaxBackoff.Ticks, options.InitialBackoff.Ticks << Math.Min(attempts - 1, 20)));
                logger.TransientError(e, store.Subscription, attempts, delay);
                await ReportAsync(ErrorReports.Of(e, (e as ApplyException)?.FailedEvent, _tick, transient: true, _rules,
                    ApplyErrorEnding.Retrying), cancellationToken).ConfigureAwait(false);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
            {
                if (!await StopAsync(e, cancellationToken).ConfigureAwait(false))
                {
                    return ApplyOutcome.Stopped;
                }
                // Only the failing event's table stops: the same batch runs again with it stopped.
            }
        }
    }

    private async Task<ApplyOutcome> ApplyNextAsync(IHandler with, bool commit, CancellationToken cancellationToken)
    {
        var batch = await batches.NextBatchAsync(cancellationToken).ConfigureAwait(false);
        _tick = batch?.TickId;
        if (batch is null)
        {
            return ApplyOutcome.Idle;
        }
        // Tables that failed or are found drifting are stopped in the next run of the same batch, in its transaction: their
        // events are kept from exactly this batch on. Runs again also when the source's columns changed while it was applied.
        var stops = new Dictionary<string, string>(_failedTables, StringComparer.Ordinal);
        if (drift is null)
        {
            return (await ApplyBatchAsync(batch, with, commit, stops, cancellationToken).ConfigureAwait(false))!.Value;
        }
        while (true)
        {
            try
            {
                if (await ApplyBatchAsync(batch, with, commit, stops, cancellationToken).ConfigureAwait(false) is { } outcome)
                {
                    return outcome;
                }
                // Null: the source's columns changed while the batch was applied; it runs again against the new ones.
            }
            catch (DriftException found) when (found.Stop && !stops.ContainsKey(found.Table))
            {
                logger.TableStopped(store.Subscription, found.Table, found.Message);
                stops[found.Table] = found.Message;
                await ReportAsync(new ApplyErrorReport(found.Table, batch.TickId, false, found.Message, found.Message, null, null, null, [],
                    ApplyErrorEnding.TableStopped), cancellationToken).ConfigureAwait(false);
            }
            catch (DriftException found) when (!found.Stop)
            {
                await drift.PrepareTargetAsync(found, cancellationToken).ConfigureAwait(false);
                logger.RulesChanged(store.Subscription, found.Message);
                return ApplyOutcome.RulesChanged;
            }
        }
    }

    /// <summary>One run of a batch in one target transaction; null when it must run again (see <see cref="DriftWatch.VerifyAsync"/>).</summary>
    private async Task<ApplyOutcome?> ApplyBatchAsync(
        Batch batch, IHandler with, bool commit, Dictionary<string, string> stops, CancellationToken cancellationToken)
    {
        await using var connection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var lastTick = await store.LockLastTickAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        if (lastTick >= batch.TickId)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            if (commit)
            {
                logger.BatchAlreadyApplied(store.Subscription, batch.PreviousTickId, batch.TickId);
                await batches.FinishBatchAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            return ApplyOutcome.AlreadyApplied;
        }

        var tables = (await store.GetTablesAsync(connection, transaction, forShare: true, cancellationToken).ConfigureAwait(false))
            .ToDictionary(t => t.SourceTable, StringComparer.Ordinal);
        await ApplySession.PinAsync(connection, transaction, _moneyLocale ??= MoneyLocale(), cancellationToken).ConfigureAwait(false);
        await RetriedTables.StopAsync(store, connection, transaction, tables, stops, cancellationToken).ConfigureAwait(false);
        // Kept events are read and written a chunk at a time as they stream (docs/architecture.md, "Bounded memory").
        var replayed = new List<string>();
        var replay = RetriedTables.TakeKeptAsync(store, connection, transaction, tables, _rules, batches, logger, replayed, cancellationToken);
        var kept = new KeptEventWriter(store, connection, transaction);
        var touched = new HashSet<string>(StringComparer.Ordinal);
        var events = EventRouter.RouteAsync(
            RetriedTables.Prepend(replay, batches.ReadEventsAsync(batch, _filters, cancellationToken), cancellationToken), tables, _rules,
            drift, kept, touched, cancellationToken);
        var result = await with.ApplyAsync(new HandlerTarget(connection, transaction, _rules), events, cancellationToken).ConfigureAwait(false);
        if (drift is not null && !await drift.VerifyAsync(touched, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        await kept.FlushAsync(cancellationToken).ConfigureAwait(false);

        // Only a table this loop applies: one without a rule keeps its events (see RouteAsync) for a loop that replays them.
        var caughtUp = tables.Values
            .Where(t => t.State == TableState.CatchingUp && t.CopySnapshot is not null
                && CopyHandover.IsCaughtUp(t.CopySnapshot, batch.StartSnapshot) && _rules.ContainsKey(t.SourceTable))
            .ToList();
        foreach (var table in caughtUp)
        {
            await store.MoveTableAsync(connection, transaction, table.SourceTable, TableState.Ok, table.CopySnapshot, table.RowsCopied,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        await store.RecordTickAsync(connection, transaction, batch.TickId, cancellationToken).ConfigureAwait(false);
        if (!commit)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return ApplyOutcome.Applied;
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _eventsApplied, result.Events);
        _failedTables.Clear();
        if (replayed.Count > 0)
        {
            await (options.Errors?.PassedAsync(replayed, cancellationToken) ?? Task.CompletedTask).ConfigureAwait(false);
        }

        foreach (var table in caughtUp)
        {
            logger.TableCaughtUp(store.Subscription, table.SourceTable);
        }
        if (!result.ReplicaRole && !_warnedReplicaRole)
        {
            _warnedReplicaRole = true;
            logger.NoReplicaRole(store.Subscription, ReplicaRole.MissingRight);
        }
        logger.BatchApplied(store.Subscription, batch.PreviousTickId, batch.TickId, result.Events);
        // A crash here leaves the batch unfinished on the source and its tick on the target: the next run finishes it.
        await batches.FinishBatchAsync(batch, cancellationToken).ConfigureAwait(false);
        return ApplyOutcome.Applied;
    }

    /// <summary>The locale money values are read in: the source's, when a table has a money column (see ApplySession).</summary>
    private string MoneyLocale() =>
        _rules.Values.Any(r => r.Columns.Any(c => c.TypeName == "pg_catalog.money")) ? drift?.SourceMonetary ?? "" : "";

    /// <summary>
    /// Finds the failing event (a set-based batch runs again row by row, rolled back, to find it) and stops its table, or keeps
    /// the error and the event on the target's subscription when no table can be blamed or the table failed already in this
    /// batch. Returns whether only a table stops (the batch must run again).
    /// </summary>
    private async Task<bool> StopAsync(Exception error, CancellationToken cancellationToken)
    {
        var failed = (error as ApplyException)?.FailedEvent;
        var cause = error;
        if (failed is null && !handler.NamesFailingEvent)
        {
            try
            {
                // Rolled back whatever happens: this only looks for the event.
                await ApplyNextAsync(new RowHandler(), commit: false, cancellationToken).ConfigureAwait(false);
            }
            catch (ApplyException rowError) when (rowError.FailedEvent is not null)
            {
                failed = rowError.FailedEvent;
                cause = rowError;
            }
            catch (Exception probe) when (probe is not OperationCanceledException)
            {
                // The first error stays the one reported; the probe only adds the event when it finds it.
            }
        }
        var message = ErrorReports.Describe(cause);
        if (failed?.Table is { } table && _rules.ContainsKey(table) && _failedTables.TryAdd(table, message))
        {
            logger.TableStopped(store.Subscription, table, message);
            await ReportAsync(ErrorReports.Of(cause, failed, _tick, transient: false, _rules, ApplyErrorEnding.TableStopped), cancellationToken)
                .ConfigureAwait(false);
            return true;
        }
        logger.Stopped(error, store.Subscription, message);
        await ReportAsync(ErrorReports.Of(cause, failed, _tick, transient: false, _rules, ApplyErrorEnding.SubscriptionStopped),
            cancellationToken).ConfigureAwait(false);
        await store.SetErrorAsync(message, failed is null ? null : JsonSerializer.Serialize(failed), cancellationToken).ConfigureAwait(false);
        return false;
    }

    private Task ReportAsync(ApplyErrorReport report, CancellationToken cancellationToken) =>
        options.Errors?.FailedAsync(report, cancellationToken) ?? Task.CompletedTask;
}
