using System.Collections.Concurrent;
using Ferry.Engine.Apply;
using Ferry.Engine.Copy.Internal;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Copy;

/// <summary>
/// Schedules the table copies of one subscription while its apply loop runs: <see cref="StartDue"/> starts a copy for each
/// table the target has in <c>new</c> or <c>copying</c> that has a rule and no copy running, at most
/// <see cref="CopyOptions.MaxConcurrentCopies"/> at once (the others wait in a <see cref="CopyScheduler"/>);
/// <see cref="ReapAsync"/> collects the copies that ended; <see cref="ProgressOf"/> gives each copy's latest progress.
/// </summary>
/// <remarks>
/// A copy that fails with a transient error (<see cref="ApplyErrors.IsTransient"/>), or is cancelled from outside, runs again
/// once <see cref="CopyOptions.RetryDelay"/> has passed; any other failure moves its table to <c>error</c> with the message.
/// Disposing cancels the running copies and waits for them: a copy stopped so leaves its table in <c>copying</c>, and the
/// next coordinator starts it over (<see cref="TableCopy"/>'s own rule). Used by one loop at a time (not thread-safe);
/// progress reports come from the copies' threads.
/// </remarks>
public sealed class CopyCoordinator : IAsyncDisposable
{
    private readonly TargetStateStore _store;
    private readonly CopyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CopyScheduler _scheduler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, Task<CopyResult>> _copies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _retryAfter = new(StringComparer.Ordinal);
    private readonly LatestProgress _progress;
    private readonly CopyObserver? _observer;

    public CopyCoordinator(
        TableCopy copy, TargetStateStore store, CopyOptions options, TimeProvider time, ILogger<CopyCoordinator> logger,
        CopyObserver? observer = null)
    {
        _observer = observer;
        _progress = new LatestProgress(observer?.Progress);
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
        _scheduler = new CopyScheduler(copy, options);
    }

    /// <summary>Copies started and not reaped yet (running, or waiting for a slot).</summary>
    public int Running => _copies.Count;

    /// <summary>
    /// Starts a copy for every table in <paramref name="tables"/> (the target's state rows) that is <c>new</c> or
    /// <c>copying</c>, has a rule in <paramref name="rules"/> (by source table) and no copy running, and whose last copy did
    /// not fail transiently less than <see cref="CopyOptions.RetryDelay"/> ago.
    /// </summary>
    public void StartDue(IReadOnlyList<TableStateRow> tables, IReadOnlyDictionary<string, TableRule> rules)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(rules);
        foreach (var table in tables)
        {
            if (table.State is TableState.New or TableState.Copying && !_copies.ContainsKey(table.SourceTable)
                && rules.TryGetValue(table.SourceTable, out var rule)
                && (!_retryAfter.TryGetValue(table.SourceTable, out var after) || _time.GetTimestamp() >= after))
            {
                _progress.Reset(table.SourceTable);
                _copies[table.SourceTable] = _scheduler.CopyAsync(rule, _progress, _stop.Token);
            }
        }
    }

    /// <summary>Collects the copies that ended: logs them, schedules retries, moves tables whose copy failed for good to error.</summary>
    /// <returns>
    /// The events the ended copies replayed at their end (kept while they ran; applied events, unlike the copied rows).
    /// </returns>
    public async Task<long> ReapAsync(CancellationToken cancellationToken)
    {
        var replayed = 0L;
        foreach (var (table, copy) in _copies.Where(c => c.Value.IsCompleted).ToList())
        {
            _copies.Remove(table);
            _observer?.Ended(table);
            try
            {
                var result = await copy.ConfigureAwait(false);
                _retryAfter.Remove(table);
                replayed += result.ReplayedEvents;
                _logger.CopyDone(_store.Subscription, table, result.Rows, result.Duration);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (ApplyErrors.IsTransient(e) || e is OperationCanceledException)
                {
                    _logger.CopyFailedTransient(e, _store.Subscription, table);
                    _observer?.Failed(table, true);
                    _retryAfter[table] = _time.GetTimestamp() + (long)(_options.RetryDelay.TotalSeconds * _time.TimestampFrequency);
                }
                else
                {
                    var message = e is PostgresException server ? $"{server.MessageText} (SQLSTATE {server.SqlState})" : e.Message;
                    _logger.CopyFailed(e, _store.Subscription, table, message);
                    _observer?.Failed(table, false);
                    await _store.MoveTableAsync(table, TableState.Error, $"The copy failed: {message}", cancellationToken)
                        .ConfigureAwait(false);
                }
            }
        }
        return replayed;
    }

    /// <summary>The latest progress report of the table's current (or last) copy; null when none reported yet.</summary>
    public CopyProgress? ProgressOf(string sourceTable) => _progress.Get(sourceTable);

    /// <summary>Cancels the running copies and waits for them to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var copy in _copies.Values)
        {
            try
            {
                await copy.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or NpgsqlException or InvalidOperationException)
            {
                // Expected while stopping: the next coordinator copies the table again.
            }
        }
        _copies.Clear();
        _scheduler.Dispose();
        _stop.Dispose();
    }

    /// <summary>The latest progress report of each copy (reports come from the copy's thread).</summary>
    private sealed class LatestProgress(Action<CopyProgress>? onReport) : IProgress<CopyProgress>
    {
        private readonly ConcurrentDictionary<string, CopyProgress> _latest = new(StringComparer.Ordinal);

        public void Report(CopyProgress value)
        {
            _latest[value.SourceTable] = value;
            onReport?.Invoke(value);
        }

        public void Reset(string table) => _latest.TryRemove(table, out _);

        public CopyProgress? Get(string table) => _latest.GetValueOrDefault(table);
    }
}
