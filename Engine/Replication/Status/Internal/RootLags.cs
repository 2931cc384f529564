using Ferry.Engine.Consumers;
using Ferry.Engine.Control;
using Npgsql;

namespace Ferry.Engine.Replication.Status.Internal;

/// <summary>The lags of subscriptions' consumers, read from their roots' queues.</summary>
internal sealed class RootLags(NodeConnections connections)
{
    /// <summary>Asks each root once for the lags of all its consumers.</summary>
    public async Task<Dictionary<int, (IReadOnlyList<ConsumerLag>? Lags, string? Error)>> ReadAsync(
        IEnumerable<Subscription> subscriptions, CancellationToken cancellationToken)
    {
        var lags = new Dictionary<int, (IReadOnlyList<ConsumerLag>? Lags, string? Error)>();
        foreach (var set in subscriptions.Select(s => s.Set!).DistinctBy(s => s.Id))
        {
            try
            {
                lags[set.Id] = (await LagSources.ReadAsync(connections.ConnectionString(set.RootNode!, "ferry-status"), set.QueueName,
                    cancellationToken).ConfigureAwait(false), null);
            }
            catch (NpgsqlException e)
            {
                lags[set.Id] = (null, $"The root '{set.RootNode!.Name}' did not answer: {e.Message}");
            }
        }
        return lags;
    }

    /// <summary>The subscription's consumer among its root's lags, or why there is none.</summary>
    public static (ConsumerLag? Lag, string? Error) Of(
        Dictionary<int, (IReadOnlyList<ConsumerLag>? Lags, string? Error)> lags, Subscription subscription)
    {
        var (setLags, error) = lags[subscription.SetId];
        var lag = setLags?.SingleOrDefault(l => l.Consumer == subscription.ConsumerName);
        return (lag, error ?? (setLags is not null && lag is null ? "The subscription's consumer is not registered on the root." : null));
    }
}
