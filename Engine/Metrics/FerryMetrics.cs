using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ferry.Engine.Metrics;

/// <summary>
/// Ferry's OpenTelemetry meter (<see cref="MeterName"/>): what the dashboard shows, for a scraper. The loops record what
/// happens in this process (batches applied, their size and duration, errors, copy progress); the figures read from the
/// nodes and the control database (lag, pending events, table states, the queues' load) come from the last
/// <see cref="MonitoringSnapshot"/> the monitoring refresher took (<see cref="MonitoringState"/>), so a scrape never waits for a
/// node.
/// </summary>
/// <remarks>
/// Several portal processes each export the snapshot figures (the same values: use <c>max</c> across instances) and their
/// own counters (add them up: each batch is counted by the one process that applied it). Names follow OpenTelemetry's
/// conventions; the Prometheus exporter turns <c>ferry.subscription.lag</c> (unit s) into
/// <c>ferry_subscription_lag_seconds</c> and counters into <c>…_total</c> (docs/monitoring.md lists every series).
/// </remarks>
public sealed class FerryMetrics
{
    /// <summary>The meter's name, to enable it in a meter provider.</summary>
    public const string MeterName = "Ferry";

    private readonly Counter<long> _eventsApplied;
    private readonly Histogram<long> _batchEvents;
    private readonly Histogram<double> _batchDuration;
    private readonly Counter<long> _errors;
    private readonly ConcurrentDictionary<(int Subscription, string Table), CopyFigures> _copies = new();

    private readonly TimeProvider _time;
    private readonly MonitoringState _state;

    public FerryMetrics(IMeterFactory meters, MonitoringState state, TimeProvider time)
    {
        _time = time;
        _state = state;
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _eventsApplied = meter.CreateCounter<long>("ferry.apply.events", "{event}",
            "Events applied and committed on the targets by the apply loops of this process.");
        _batchEvents = meter.CreateHistogram<long>("ferry.apply.batch.size", "{event}",
            "Events per applied batch.", advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000] });
        _batchDuration = meter.CreateHistogram<double>("ferry.apply.batch.duration", "s",
            "Time to apply one batch (read, apply, commit, finish; retries of transient errors included).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        _errors = meter.CreateCounter<long>("ferry.errors", "{error}",
            "Errors the loops of this process met, by kind: apply_transient (retried), apply (stopped the subscription), "
            + "copy_transient (copy retried), copy (table in error).");

        meter.CreateObservableGauge("ferry.subscription.lag", () => Subscriptions(s => s.LagSeconds), "s",
            "Now minus the time of the last tick the subscription finished (as the root's clock sees it).");
        meter.CreateObservableGauge("ferry.subscription.events.pending", () => Subscriptions(s => s.PendingEvents), "{event}",
            "Events written on the root after the subscription's last finished tick.");
        meter.CreateObservableGauge("ferry.subscription.state", SubscriptionStates, "1",
            "1 for the state the subscription is in (label state: active, paused, error).");
        meter.CreateObservableGauge("ferry.subscription.tables", TablesByState, "{table}",
            "Tables of the subscription per state (new, copying, catchingup, ok, paused, error).");
        meter.CreateObservableGauge("ferry.copy.rows.copied", () => Copies(c => c.RowsCopied), "{row}",
            "Rows a running copy has streamed so far.");
        meter.CreateObservableGauge("ferry.copy.rows.estimated", () => Copies(c => c.RowsEstimated), "{row}",
            "The source's row estimate of a running copy's table (0 when unknown).");
        meter.CreateObservableCounter("ferry.queue.ticks", () => Queues(q => q.NewestTickId), "{tick}",
            "Ticks made on the set's root (the newest tick's id).");
        meter.CreateObservableGauge("ferry.queue.tick.age", () => Queues(q => q.NewestTickAgeSeconds), "s",
            "Seconds since the newest tick of the set's queue: above the ticker's idle period, the ticker does not tick.");
        meter.CreateObservableCounter("ferry.queue.events", () => Queues(q => q.EventsWritten), "{event}",
            "Events captured into the set's queue since it was created (the event sequence; rolled-back writes count too).");
        meter.CreateObservableGauge("ferry.queue.size", () => Queues(q => q.EventTableBytes), "By",
            "Bytes of the set's event tables on the root (with indexes and TOAST).");
        meter.CreateObservableGauge("ferry.queue.oldest_unconsumed_tick.age", () => Queues(q => q.OldestUnconsumedTickAgeSeconds), "s",
            "Age of the oldest tick some consumer has not finished (0 when every consumer is at the newest tick).");
        meter.CreateObservableGauge("ferry.node.up", Nodes, "1", "1 when the node answered its last probe, 0 when it did not.");
        meter.CreateObservableGauge("ferry.monitoring.snapshot.age", SnapshotAge, "s",
            "Seconds since the figures above were read from the nodes and the control database.");
    }

    /// <summary>The figures read from the nodes and the control database, as last taken.</summary>
    private MonitoringSnapshot Snapshot => _state.Current;

    /// <summary>A batch was applied and committed: its events and how long it took.</summary>
    public void BatchApplied(SubscriptionLabels labels, long events, TimeSpan duration)
    {
        var tags = labels.Tags();
        _eventsApplied.Add(events, tags);
        _batchEvents.Record(events, tags);
        _batchDuration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>Events applied outside a batch (kept events replayed at the end of a copy).</summary>
    public void EventsApplied(SubscriptionLabels labels, long events)
    {
        if (events > 0)
        {
            _eventsApplied.Add(events, labels.Tags());
        }
    }

    /// <summary>An error of <paramref name="kind"/> (see the instrument's description).</summary>
    public void Error(SubscriptionLabels labels, string kind, long count = 1)
    {
        if (count <= 0)
        {
            return;
        }
        var tags = labels.Tags();
        tags.Add("kind", kind);
        _errors.Add(count, tags);
    }

    /// <summary>A running copy's progress; <see cref="CopyProgress.Done"/> ends its series.</summary>
    public void CopyProgress(SubscriptionLabels labels, Copy.CopyProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var key = (labels.SubscriptionId, progress.SourceTable);
        if (progress.Done)
        {
            _copies.TryRemove(key, out _);
            return;
        }
        _copies[key] = new CopyFigures(labels, progress.RowsCopied, progress.RowsEstimated);
    }

    /// <summary>Ends the series of a copy that finished or failed.</summary>
    public void CopyEnded(int subscriptionId, string table) => _copies.TryRemove((subscriptionId, table), out _);

    /// <summary>Forgets the copies of a subscription whose runner stopped.</summary>
    public void CopiesStopped(int subscriptionId)
    {
        foreach (var key in _copies.Keys.Where(k => k.Subscription == subscriptionId))
        {
            _copies.TryRemove(key, out _);
        }
    }

    private IEnumerable<Measurement<double>> Subscriptions(Func<SubscriptionFigures, double?> value)
    {
        foreach (var subscription in Snapshot.Subscriptions)
        {
            if (value(subscription) is { } figure)
            {
                yield return new Measurement<double>(figure, subscription.Labels.Tags());
            }
        }
    }

    private IEnumerable<Measurement<long>> SubscriptionStates()
    {
        foreach (var subscription in Snapshot.Subscriptions)
        {
            foreach (var state in SubscriptionFigures.States)
            {
                var tags = subscription.Labels.Tags();
                tags.Add("state", state);
                yield return new Measurement<long>(string.Equals(subscription.State, state, StringComparison.OrdinalIgnoreCase) ? 1 : 0, tags);
            }
        }
    }

    private IEnumerable<Measurement<long>> TablesByState()
    {
        foreach (var subscription in Snapshot.Subscriptions)
        {
            foreach (var (state, count) in subscription.TablesByState)
            {
                var tags = subscription.Labels.Tags();
                tags.Add("state", state.ToLowerInvariant());
                yield return new Measurement<long>(count, tags);
            }
        }
    }

    private IEnumerable<Measurement<long>> Copies(Func<CopyFigures, long> value)
    {
        foreach (var ((_, table), copy) in _copies)
        {
            var tags = copy.Labels.Tags();
            tags.Add("table", table);
            yield return new Measurement<long>(value(copy), tags);
        }
    }

    private IEnumerable<Measurement<T>> Queues<T>(Func<QueueFigures, T?> value)
        where T : struct
    {
        foreach (var queue in Snapshot.Queues)
        {
            if (value(queue) is { } figure)
            {
                yield return new Measurement<T>(figure, new KeyValuePair<string, object?>("set", queue.Set));
            }
        }
    }

    private IEnumerable<Measurement<int>> Nodes()
    {
        foreach (var node in Snapshot.Nodes)
        {
            yield return new Measurement<int>(node.Up ? 1 : 0, new KeyValuePair<string, object?>("node", node.Name));
        }
    }

    private IEnumerable<Measurement<double>> SnapshotAge()
    {
        var snapshot = Snapshot;
        if (snapshot.TakenAt is { } taken)
        {
            yield return new Measurement<double>(Math.Max(0, (_time.GetUtcNow() - taken).TotalSeconds));
        }
    }

    private sealed record CopyFigures(SubscriptionLabels Labels, long RowsCopied, long RowsEstimated);
}
