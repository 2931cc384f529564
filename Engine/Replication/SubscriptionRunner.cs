using System.Collections.Concurrent;
using System.Text.Json;
using Ferry.Engine.Apply;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Control;
using Ferry.Engine.Copy;
using Ferry.Engine.Metrics;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using ControlTableState = Ferry.Engine.Control.TableState;
using RuleTableState = Ferry.Engine.Rules.TableState;

namespace Ferry.Engine.Replication;

/// <summary>
/// Runs one subscription until it is paused, dropped, stopped by an error, or the process shuts down: the apply loop
/// (batch after batch, waking on the ticker's NOTIFY), and the subscription's table copies through a
/// <see cref="CopyScheduler"/>, at most <see cref="ReplicationOptions.MaxConcurrentCopies"/> at a time. Table states move
/// <c>new → copying → catching-up → ok</c> on the target and are mirrored into the control database (state, rows copied and
/// estimated, last error) for the portal. Every <see cref="ReplicationOptions.ControlPollInterval"/> it rereads the
/// subscription and rebuilds itself when its tables changed.
/// </summary>
/// <remarks>
/// <para>
/// Exactly one runner per subscription: <see cref="RunAsync"/> first takes a session-level advisory lock in the control
/// database keyed by the subscription id (<c>pg_try_advisory_lock(0x66726170, id)</c>) on a connection of its own, waiting
/// at most <see cref="ReplicationOptions.LockWait"/>. When two portals (or a Hangfire re-delivery and the supervisor) start
/// the same subscription, one gets the lock and runs; the other returns at once and its job ends. When the running process
/// dies, PostgreSQL ends its session and frees the lock, and the supervisor's next round starts the loop elsewhere. Even
/// a stray second applier could not apply twice: the apply transaction locks the subscription's row on the target and
/// records the batch's tick there (DESIGN.md invariant 2).
/// </para>
/// <para>
/// Throughput: the events each batch applied (and kept events replayed when a copy ends; never copied rows) are counted in
/// memory per minute and added to <see cref="ThroughputBucket"/>s at most once per control poll and when the runner stops,
/// for the dashboard's chart. They are statistics: a crash loses the counts of at most one poll interval.
/// </para>
/// <para>
/// Errors: the apply loop retries transient errors itself and stops the subscription on a permanent one (kept on the
/// target, mirrored here as <see cref="SubscriptionState.Error"/> with the message). Anything else failing around it (the
/// control database, a node not answering while the loop is set up) is retried here with backoff and logged.
/// </para>
/// </remarks>
public sealed class SubscriptionRunner(
    IDbContextFactory<ControlDbContext> contexts, Nodes.NodeDataSources nodes, IOptions<ReplicationOptions> options, TimeProvider time,
    ILoggerFactory loggers, FerryMetrics metrics)
{
    private readonly Nodes.NodeDataSources _nodes = nodes;
    private readonly ILogger _logger = loggers.CreateLogger<SubscriptionRunner>();

    /// <summary>Runs the subscription's loop; returns when it should not run (paused, dropped, error) or runs elsewhere.</summary>
    public async Task RunAsync(int subscriptionId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        string control;
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            control = context.Database.GetConnectionString()!;
        }
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
            await RunGenerationsAsync(subscriptionId, held, settings, throughput, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await FlushOnStopAsync(subscriptionId, throughput).ConfigureAwait(false);
            metrics.CopiesStopped(subscriptionId);
        }
    }

    private async Task RunGenerationsAsync(
        int subscriptionId, LoopLock held, ReplicationOptions settings, ThroughputCounter throughput, CancellationToken cancellationToken)
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
                var ended = await RunGenerationAsync(subscriptionId, held, settings, throughput, cancellationToken).ConfigureAwait(false);
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
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One build of the loop for the subscription as the control database has it now.</summary>
    /// <returns>Why the loop ends, or null when it must be rebuilt (its tables changed).</returns>
    private async Task<string?> RunGenerationAsync(
        int subscriptionId, LoopLock held, ReplicationOptions settings, ThroughputCounter throughput, CancellationToken cancellationToken)
    {
        var subscription = await LoadAsync(subscriptionId, cancellationToken).ConfigureAwait(false);
        if (subscription is null)
        {
            return "the subscription was dropped";
        }
        if (subscription.State != SubscriptionState.Active)
        {
            return $"the subscription is {subscription.State}";
        }
        var set = subscription.Set!;
        var labels = new SubscriptionLabels(subscriptionId, set.Name, subscription.TargetNode!.Name);
        await using var source = _nodes.Open(set.RootNode!, "ferry-apply");
        await using var target = _nodes.Open(subscription.TargetNode!, "ferry-apply");
        var store = new TargetStateStore(target, subscription.ConsumerName);
        var rules = new Dictionary<int, Rules.TableRule>();
        foreach (var table in subscription.Tables)
        {
            try
            {
                rules[table.Id] = await BuildRuleAsync(source, target, table, cancellationToken).ConfigureAwait(false);
            }
            catch (TableRuleException e)
            {
                _logger.RuleInvalid(subscriptionId, $"{table.SourceSchema}.{table.SourceTable}", e.Message);
                await SetTableErrorAsync(table.Id, e.Message, cancellationToken).ConfigureAwait(false);
            }
        }
        // The apply loop only applies tables with a state row on the target: add the new ones (in state new; a table
        // already there keeps its state).
        await store.InstallAsync(cancellationToken).ConfigureAwait(false);
        foreach (var rule in rules.Values)
        {
            await store.AddTableAsync(rule, cancellationToken).ConfigureAwait(false);
        }
        var bySource = rules.Values.ToDictionary(r => r.SourceTable, StringComparer.Ordinal);
        var signature = Signature(subscription);
        var consumer = new QueueConsumer(source, set.QueueName, subscription.ConsumerName);
        var apply = new ApplyLoop(
            new QueueBatchSource(consumer, source), target, store, [.. rules.Values], new BulkHandler(),
            new ApplyLoopOptions { InitialBackoff = settings.InitialBackoff, MaxBackoff = settings.MaxBackoff }, time,
            loggers.CreateLogger<ApplyLoop>());
        await using var listener = await consumer.ListenAsync(cancellationToken).ConfigureAwait(false);
        var copyOptions = new CopyOptions { MaxConcurrentCopies = settings.MaxConcurrentCopies };
        using var scheduler = new CopyScheduler(new TableCopy(source, target, store, new BulkHandler(), copyOptions), copyOptions);
        using var stopCopies = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var copies = new Dictionary<string, Task<CopyResult>>(StringComparer.Ordinal);
        var retryAfter = new Dictionary<string, long>(StringComparer.Ordinal);
        var progress = new LatestProgress(p => metrics.CopyProgress(labels, p));
        _logger.ApplyStarted(subscriptionId, rules.Count);
        var lastPoll = time.GetTimestamp();
        var counted = 0L;
        var transientCounted = 0L;
        try
        {
            while (true)
            {
                var batchStarted = time.GetTimestamp();
                var outcome = await apply.RunOnceAsync(cancellationToken).ConfigureAwait(false);
                var applied = apply.EventsApplied;
                throughput.Add(applied - counted);
                if (outcome == ApplyOutcome.Applied)
                {
                    metrics.BatchApplied(labels, applied - counted, time.GetElapsedTime(batchStarted));
                }
                metrics.Error(labels, "apply_transient", apply.TransientErrors - transientCounted);
                transientCounted = apply.TransientErrors;
                counted = applied;
                if (outcome == ApplyOutcome.Stopped)
                {
                    metrics.Error(labels, "apply");
                    await MarkErrorAsync(subscriptionId, store, cancellationToken).ConfigureAwait(false);
                    return "the apply loop stopped on an error";
                }
                await ReapCopiesAsync(subscriptionId, labels, store, copies, retryAfter, settings, throughput, cancellationToken)
                    .ConfigureAwait(false);
                var tables = await store.GetTablesAsync(cancellationToken).ConfigureAwait(false);
                foreach (var table in tables)
                {
                    if (table.State is RuleTableState.New or RuleTableState.Copying && !copies.ContainsKey(table.SourceTable)
                        && bySource.TryGetValue(table.SourceTable, out var rule)
                        && (!retryAfter.TryGetValue(table.SourceTable, out var after) || time.GetTimestamp() >= after))
                    {
                        progress.Reset(table.SourceTable);
                        copies[table.SourceTable] = scheduler.CopyAsync(rule, progress, stopCopies.Token);
                    }
                }
                if (time.GetElapsedTime(lastPoll) >= settings.ControlPollInterval)
                {
                    lastPoll = time.GetTimestamp();
                    if (!await held.IsAliveAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return "it lost its lock (its control database session ended); the supervisor starts it again";
                    }
                    await FlushAsync(throughput, cancellationToken).ConfigureAwait(false);
                    var current = await MirrorAsync(subscriptionId, rules, tables, progress, cancellationToken).ConfigureAwait(false);
                    if (current is null)
                    {
                        return "the subscription was dropped";
                    }
                    if (current.State != SubscriptionState.Active)
                    {
                        return $"the subscription is {current.State}";
                    }
                    if (MustRebuild(signature, Signature(current), copiesRunning: copies.Count > 0))
                    {
                        return null;
                    }
                }
                if (outcome == ApplyOutcome.Idle)
                {
                    if (tables.Any(t => t.State == RuleTableState.CatchingUp))
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
            // A copy stopped here leaves its table in copying; the next run starts it over (TableCopy's own rule).
            await stopCopies.CancelAsync().ConfigureAwait(false);
            foreach (var copy in copies.Values)
            {
                try
                {
                    await copy.ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or NpgsqlException or InvalidOperationException)
                {
                    // Expected while stopping: the next run copies the table again.
                }
            }
        }
    }

    private async Task ReapCopiesAsync(
        int subscriptionId, SubscriptionLabels labels, TargetStateStore store, Dictionary<string, Task<CopyResult>> copies,
        Dictionary<string, long> retryAfter,
        ReplicationOptions settings, ThroughputCounter throughput, CancellationToken cancellationToken)
    {
        foreach (var (table, copy) in copies.Where(c => c.Value.IsCompleted).ToList())
        {
            copies.Remove(table);
            metrics.CopyEnded(subscriptionId, table);
            try
            {
                var result = await copy.ConfigureAwait(false);
                retryAfter.Remove(table);
                // The copied rows are not events; the events kept while it ran and replayed at its end are.
                throughput.Add(result.ReplayedEvents);
                metrics.EventsApplied(labels, result.ReplayedEvents);
                _logger.CopyDone(subscriptionId, table, result.Rows, result.Duration);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (ApplyErrors.IsTransient(e) || e is OperationCanceledException)
                {
                    _logger.CopyFailedTransient(e, subscriptionId, table);
                    metrics.Error(labels, "copy_transient");
                    retryAfter[table] = time.GetTimestamp() + (long)(settings.InitialBackoff.TotalSeconds * time.TimestampFrequency);
                }
                else
                {
                    var message = e is PostgresException server ? $"{server.MessageText} (SQLSTATE {server.SqlState})" : e.Message;
                    _logger.CopyFailed(e, subscriptionId, table, message);
                    metrics.Error(labels, "copy");
                    await store.MoveTableAsync(table, RuleTableState.Error, $"The copy failed: {message}", cancellationToken)
                        .ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Rebuilds the validated rule the apply loop and copies need from the stored one (columns are read again from the
    /// source, so a column added since is replicated too); the stored key wins.
    /// </summary>
    private static async Task<Rules.TableRule> BuildRuleAsync(
        NpgsqlDataSource source, NpgsqlDataSource target, Control.TableRule table, CancellationToken cancellationToken)
    {
        var sourceName = new TableName(table.SourceSchema, table.SourceTable);
        var targetName = new TableName(table.TargetSchema, table.TargetTable);
        try
        {
            var rule = await TableRuleValidator.ValidateAsync(source, target, new TableRuleRequest(sourceName, targetName, table.RowFilter),
                cancellationToken).ConfigureAwait(false);
            if (table.KeyColumns.Count == 0 || rule.Key.SequenceEqual(table.KeyColumns, StringComparer.Ordinal))
            {
                return rule;
            }
        }
        catch (TableRuleException) when (table.KeyColumns.Count > 0)
        {
            // No primary key: the stored key is one of its unique indexes, found below.
        }
        var index = await KeyIndexAsync(source, sourceName, table.KeyColumns, cancellationToken).ConfigureAwait(false)
            ?? throw new TableRuleException(
                $"The source table {sourceName} has no unique index on the key ({string.Join(", ", table.KeyColumns)}) any more: "
                + "give it back, or remove the table and add it again.");
        return await TableRuleValidator.ValidateAsync(source, target, new TableRuleRequest(sourceName, targetName, table.RowFilter, index),
            cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string?> KeyIndexAsync(
        NpgsqlDataSource source, TableName table, IReadOnlyList<string> key, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand("""
            SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = $1::regclass AND i.indisunique
              AND (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) = $2::text[]
            ORDER BY i.indisprimary DESC, c.relname LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = table.Quoted });
        command.Parameters.Add(new NpgsqlParameter { Value = key.ToArray() });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>Copies the target's table states and the copies' progress into the control database; returns the subscription.</summary>
    private async Task<Subscription?> MirrorAsync(
        int subscriptionId, Dictionary<int, Rules.TableRule> rules, IReadOnlyList<TableStateRow> tables, LatestProgress progress,
        CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await context.Subscriptions.Include(s => s.Tables)
            .SingleOrDefaultAsync(s => s.Id == subscriptionId, cancellationToken).ConfigureAwait(false);
        if (subscription is null)
        {
            return null;
        }
        var byTable = tables.ToDictionary(t => t.SourceTable, StringComparer.Ordinal);
        foreach (var table in subscription.Tables)
        {
            if (!rules.TryGetValue(table.Id, out var rule) || !byTable.TryGetValue(rule.SourceTable, out var row))
            {
                continue;
            }
            table.State = Enum.Parse<ControlTableState>(row.State.ToString());
            table.LastError = row.Error;
            if (progress.Get(rule.SourceTable) is { } copy)
            {
                table.RowsEstimated = copy.RowsEstimated;
                table.RowsCopied = row.State == RuleTableState.Copying || row.RowsCopied is null ? copy.RowsCopied : row.RowsCopied.Value;
            }
            else if (row.RowsCopied is { } copied)
            {
                table.RowsCopied = copied;
            }
        }
        try
        {
            if (await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false) > 0)
            {
                await ReplicationChanges.PublishAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DbUpdateConcurrencyException)
        {
            // A table (or the subscription) was removed meanwhile: the next poll mirrors what is left.
        }
        return subscription;
    }

    private async Task FlushAsync(ThroughputCounter throughput, CancellationToken cancellationToken)
    {
        if (throughput.IsEmpty)
        {
            return;
        }
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await throughput.FlushAsync(context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The last flush, whatever ended the runner (also a shutdown, hence a token of its own). Failing, it loses only statistics:
    /// logged, never thrown over what ended the runner.
    /// </summary>
    private async Task FlushOnStopAsync(int subscriptionId, ThroughputCounter throughput)
    {
        if (throughput.IsEmpty)
        {
            return;
        }
        var pending = throughput.Pending;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
            await FlushAsync(throughput, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            _logger.ThroughputLost(e, subscriptionId, pending);
        }
    }

    private async Task MarkErrorAsync(int subscriptionId, TargetStateStore store, CancellationToken cancellationToken)
    {
        var row = await store.GetSubscriptionAsync(cancellationToken).ConfigureAwait(false);
        long? failedEvent = null;
        if (row.FailedEvent is not null)
        {
            using var json = JsonDocument.Parse(row.FailedEvent);
            if (json.RootElement.TryGetProperty("Id", out var id) && id.TryGetInt64(out var value))
            {
                failedEvent = value;
            }
        }
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await context.Subscriptions.FindAsync([subscriptionId], cancellationToken).ConfigureAwait(false);
        if (subscription is null)
        {
            return;
        }
        subscription.State = SubscriptionState.Error;
        subscription.LastError = row.Error ?? "The apply loop stopped on an error.";
        subscription.LastFailingEventId = failedEvent;
        context.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            UserName = "system",
            Action = "error",
            EntityType = nameof(Subscription),
            EntityId = subscriptionId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            After = AuditEntry.Snapshot(new { subscription.LastError, subscription.LastFailingEventId }),
        });
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await ReplicationChanges.PublishAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
    }

    private async Task SetTableErrorAsync(int tableId, string message, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await context.TableRules.Where(t => t.Id == tableId)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.State, ControlTableState.Error).SetProperty(t => t.LastError, message),
                cancellationToken).ConfigureAwait(false);
    }

    private async Task<Subscription?> LoadAsync(int subscriptionId, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await context.Subscriptions.AsNoTracking()
            .Include(s => s.Set).ThenInclude(s => s!.RootNode)
            .Include(s => s.TargetNode)
            .Include(s => s.Tables)
            .AsSplitQuery()
            .SingleOrDefaultAsync(s => s.Id == subscriptionId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What the loop was built from, per table rule id.</summary>
    private static Dictionary<int, string> Signature(Subscription subscription) => subscription.Tables.ToDictionary(
        t => t.Id,
        t => $"{t.SourceSchema}|{t.SourceTable}|{t.TargetSchema}|{t.TargetTable}|{t.RowFilter}|{string.Join(',', t.KeyColumns)}");

    /// <summary>
    /// A removed or changed table rebuilds the loop at once (stop applying it). Added tables wait in state new until the
    /// running copies are done: rebuilding cancels copies, and a big table's copy would start over for every table added
    /// after it.
    /// </summary>
    private static bool MustRebuild(Dictionary<int, string> built, Dictionary<int, string> now, bool copiesRunning) =>
        built.Any(b => !now.TryGetValue(b.Key, out var line) || line != b.Value)
        || (now.Count > built.Count && !copiesRunning);

    /// <summary>The latest progress report of each copy (reports come from the copy's thread).</summary>
    private sealed class LatestProgress(Action<CopyProgress> onReport) : IProgress<CopyProgress>
    {
        private readonly ConcurrentDictionary<string, CopyProgress> _latest = new(StringComparer.Ordinal);

        public void Report(CopyProgress value)
        {
            _latest[value.SourceTable] = value;
            onReport(value);
        }

        public void Reset(string table) => _latest.TryRemove(table, out _);

        public CopyProgress? Get(string table) => _latest.GetValueOrDefault(table);
    }
}
