namespace Ferry.Engine.Metrics;

/// <summary>
/// The last <see cref="MonitoringSnapshot"/> (the monitoring refresher replaces it every round) and who wants to hear of a new
/// one: the meters read <see cref="Current"/>; a view may subscribe and follow the figures without polling.
/// </summary>
public sealed class MonitoringState
{
    private readonly Lock _gate = new();
    private readonly List<Action<MonitoringSnapshot>> _handlers = [];
    private MonitoringSnapshot _current = MonitoringSnapshot.Empty;

    public MonitoringSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Calls <paramref name="onUpdated"/> with each new snapshot until the result is disposed.</summary>
    /// <remarks>Handlers run on the refresher's thread: a Blazor component hands the call to its renderer with InvokeAsync.</remarks>
    public IDisposable Subscribe(Action<MonitoringSnapshot> onUpdated)
    {
        ArgumentNullException.ThrowIfNull(onUpdated);
        lock (_gate)
        {
            _handlers.Add(onUpdated);
        }
        return new Subscription(this, onUpdated);
    }

    /// <summary>Replaces the snapshot and tells the subscribers.</summary>
    public void Update(MonitoringSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        Volatile.Write(ref _current, snapshot);
        Action<MonitoringSnapshot>[] handlers;
        lock (_gate)
        {
            handlers = [.. _handlers];
        }
        foreach (var handler in handlers)
        {
            handler(snapshot);
        }
    }

    private sealed class Subscription(MonitoringState owner, Action<MonitoringSnapshot> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._handlers.Remove(handler);
            }
        }
    }
}
