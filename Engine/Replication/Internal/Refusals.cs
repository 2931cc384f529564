using Ferry.Engine.Control;

namespace Ferry.Engine.Replication.Internal;

/// <summary>The refusals for a node, set, subscription or table that a request names and that does not exist.</summary>
internal static class Refusals
{
    public static ReplicationRefusedException NoNode(int id) => ReplicationRefusedException.NotFound($"There is no node {id}: add the node first.");

    public static ReplicationRefusedException NoSet(int id) => ReplicationRefusedException.NotFound($"There is no set {id}: it may have been dropped.");

    public static ReplicationRefusedException NoSubscription(int id) =>
        ReplicationRefusedException.NotFound($"There is no subscription {id}: it may have been dropped.");

    public static ReplicationRefusedException NoTable(Subscription subscription, int id) =>
        ReplicationRefusedException.NotFound($"Subscription {subscription.Id} has no table {id}: it may have been removed.");
}
