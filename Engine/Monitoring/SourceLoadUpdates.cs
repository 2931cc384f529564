namespace Ferry.Engine.Monitoring;

/// <summary>
/// The source loads of the last monitoring round (<see cref="MonitoringRefresher"/>), for views that follow them without polling
/// (the dashboard's source-load panel).
/// </summary>
public sealed class SourceLoadUpdates
{
    private readonly Lock _gate = new();
    private readonly List<Action<IReadOnlyList<SourceLoad>>> _handlers = [];

    /// <summary>Calls <paramref name="onUpdated"/> with each round's loads until the result is disposed.</summary>
    /// <remarks>Handlers run on the refresher's thread: a Blazor component hands the call to its renderer with InvokeAsync.</remarks>
    public IDisposable Subscribe(Action<IReadOnlyList<SourceLoad>> onUpdated)
    {
        ArgumentNullException.ThrowIfNull(onUpdated);
        lock (_gate)
        {
            _handlers.Add(onUpdated);
        }
        return new Subscription(this, onUpdated);
    }

    internal void Update(IReadOnlyList<SourceLoad> loads)
    {
        Action<IReadOnlyList<SourceLoad>>[] handlers;
        lock (_gate)
        {
            handlers = [.. _handlers];
        }
        foreach (var handler in handlers)
        {
            handler(loads);
        }
    }

    private sealed class Subscription(SourceLoadUpdates owner, Action<IReadOnlyList<SourceLoad>> handler) : IDisposable
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
