namespace Ferry.Portal.Components.Shared;

/// <summary>
/// The one periodic refresh the portal has. Lag grows while nothing changes, so no change notification announces it:
/// this singleton ticks every <see cref="Interval"/> while at least one view is subscribed (through <see cref="LiveRefresh"/>),
/// and views re-read the lag on each tick. Everything else is pushed by <see cref="Ferry.Engine.Replication.ReplicationChanges"/>.
/// </summary>
public sealed class LagClock : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly List<Action> _handlers = [];
    private readonly ITimer _timer;

    public LagClock(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _timer = time.CreateTimer(_ => Tick(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Calls <paramref name="onTick"/> every <see cref="Interval"/> until the result is disposed.</summary>
    public IDisposable Subscribe(Action onTick)
    {
        lock (_gate)
        {
            _handlers.Add(onTick);
            if (_handlers.Count == 1)
            {
                _timer.Change(Interval, Interval);
            }
        }
        return new Subscription(this, onTick);
    }

    private void Tick()
    {
        Action[] handlers;
        lock (_gate)
        {
            handlers = [.. _handlers];
        }
        foreach (var handler in handlers)
        {
            handler();
        }
    }

    private void Unsubscribe(Action onTick)
    {
        lock (_gate)
        {
            _handlers.Remove(onTick);
            if (_handlers.Count == 0)
            {
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Dispose() => _timer.Dispose();

    private sealed class Subscription(LagClock clock, Action onTick) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                clock.Unsubscribe(onTick);
            }
        }
    }
}
