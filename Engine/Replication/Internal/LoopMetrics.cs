using Ferry.Engine.Apply;
using Ferry.Engine.Copy;
using Ferry.Engine.Metrics;

namespace Ferry.Engine.Replication.Internal;

/// <summary>
/// One loop generation's figures for Ferry's meter (docs/decisions/ADR-015-alerts.md, metrics): batches, events and
/// errors of the apply loop, and the copies' progress, ends and failures (<see cref="Copies"/>).
/// </summary>
internal sealed class LoopMetrics(FerryMetrics metrics, SubscriptionLabels labels, TimeProvider time)
{
    private long _batchStarted;

    /// <summary>What the loop's <see cref="CopyCoordinator"/> reports to the meter.</summary>
    public CopyObserver Copies => new(
        p => metrics.CopyProgress(labels, p), table => metrics.CopyEnded(labels.SubscriptionId, table),
        (_, transient) => metrics.Error(labels, transient ? "copy_transient" : "copy"));

    public void BatchStarting() => _batchStarted = time.GetTimestamp();

    /// <summary>A transient error the apply loop retries (<see cref="ApplyLoopOptions.TransientError"/>).</summary>
    public void TransientError() => metrics.Error(labels, "apply_transient");

    /// <summary>After one <see cref="ApplyLoop.RunOnceAsync"/>: <paramref name="events"/> applied by it.</summary>
    public void BatchEnded(ApplyOutcome outcome, long events)
    {
        if (outcome == ApplyOutcome.Applied)
        {
            metrics.BatchApplied(labels, events, time.GetElapsedTime(_batchStarted));
        }
        if (outcome == ApplyOutcome.Stopped)
        {
            metrics.Error(labels, "apply");
        }
    }

    /// <summary>Events the ended copies replayed (applied events, unlike the copied rows); returns them.</summary>
    public long Replayed(long events)
    {
        metrics.EventsApplied(labels, events);
        return events;
    }
}
