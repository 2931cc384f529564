using System.Collections.Concurrent;

namespace Ferry.Engine.Monitoring;

/// <summary>
/// The event sequence positions this process read from each set's root, with the root's clock, kept for
/// <see cref="Window"/>: the events written per second are the difference between the newest reading and the oldest one at
/// least <see cref="MinimumSpan"/> earlier. <see cref="MonitoringRefresher"/> reads every few seconds, so a rate is there
/// from its second round on.
/// </summary>
public sealed class QueueLoadSamples
{
    /// <summary>How far back readings are kept (and so the span the rate is taken over, at most).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(75);

    /// <summary>Readings closer together than this give no rate (too noisy).</summary>
    public static readonly TimeSpan MinimumSpan = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<int, List<(DateTimeOffset At, long Position)>> _readings = new();

    /// <summary>Keeps a reading of set <paramref name="setId"/>; returns the events per second over the kept window, if any.</summary>
    public double? Add(int setId, DateTimeOffset at, long position)
    {
        var readings = _readings.GetOrAdd(setId, _ => []);
        lock (readings)
        {
            // A position below the last one: the queue was made again; start over.
            if (readings.Count > 0 && position < readings[^1].Position)
            {
                readings.Clear();
            }
            readings.Add((at, position));
            readings.Sort((a, b) => a.At.CompareTo(b.At));
            readings.RemoveAll(r => at - r.At > Window);
            var newest = readings[^1];
            var oldest = readings[0];
            var span = newest.At - oldest.At;
            return span < MinimumSpan ? null : (newest.Position - oldest.Position) / span.TotalSeconds;
        }
    }
}
