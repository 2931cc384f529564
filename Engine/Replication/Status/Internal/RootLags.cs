using Ferry.Engine.Consumers;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Queue;
using Npgsql;

namespace Ferry.Engine.Replication.Status.Internal;

/// <summary>
/// The lags of subscriptions' consumers, read from their roots' queues on the roots' pooled data sources (the dashboard reads
/// them every few seconds and on every change). A pooled connection that went stale (the root restarted) costs one more
/// read on a new connection, not an error on the dashboard.
/// </summary>
internal sealed class RootLags(NodeDataSources nodes)
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
                await using var root = nodes.Open(set.RootNode!, "ferry-status");
                lags[set.Id] = (await root.ReadAsync(
                    source => new QueueAdmin(source).GetConsumerLagsAsync(set.QueueName, cancellationToken), cancellationToken)
                    .ConfigureAwait(false), null);
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
