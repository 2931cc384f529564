namespace Ferry.Portal.Components.Shared;

/// <summary>
/// The one periodic refresh the dashboard has. Lag grows while nothing changes, so no change notification announces it:
/// this singleton ticks every <see cref="Interval"/> while at least one view is subscribed, and views re-read the lag on
/// each tick. Everything else on the dashboard is pushed by <see cref="Ferry.Engine.Replication.ReplicationChanges"/>.
/// </summary>
public sealed class LagClock : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly List<Action> _handlers = [];
    private readonly Timer _timer;

    public LagClock() => _timer = new Timer(_ => Tick(), null, Timeout.Infinite, Timeout.Infinite);

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
                _timer.Change(Timeout.Infinite, Timeout.Infinite);
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
