using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Replication;

/// <summary>
/// Tells live views that a subscription changed (its state, its tables' states, copy progress, a new error), so pages update
/// without polling. Loops and the service layer publish with <c>NOTIFY ferry_replication, '&lt;subscription id&gt;'</c> on
/// the control database, so the views of every portal process hear it, whichever process runs the loop;
/// <see cref="ReplicationChangeListener"/> relays the notifications to the handlers subscribed here.
/// </summary>
public sealed class ReplicationChanges
{
    /// <summary>The control database's NOTIFY channel.</summary>
    public const string Channel = "ferry_replication";

    private readonly Lock _gate = new();
    private readonly List<Action<int>> _handlers = [];

    /// <summary>Calls <paramref name="onChanged"/> with a subscription id whenever it changes, until the result is disposed.</summary>
    /// <remarks>Handlers run on the listener's thread: a Blazor component hands the call to its renderer with InvokeAsync.</remarks>
    public IDisposable Subscribe(Action<int> onChanged)
    {
        ArgumentNullException.ThrowIfNull(onChanged);
        lock (_gate)
        {
            _handlers.Add(onChanged);
        }
        return new Subscription(this, onChanged);
    }

    internal void Raise(int subscriptionId)
    {
        Action<int>[] handlers;
        lock (_gate)
        {
            handlers = [.. _handlers];
        }
        foreach (var handler in handlers)
        {
            handler(subscriptionId);
        }
    }

    /// <summary>Publishes a change of a subscription to every portal (delivered when the current transaction, if any, commits).</summary>
    internal static Task PublishAsync(ControlDbContext context, int subscriptionId, CancellationToken cancellationToken)
    {
        var payload = subscriptionId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return context.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, {payload})", cancellationToken);
    }

    private sealed class Subscription(ReplicationChanges owner, Action<int> handler) : IDisposable
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
