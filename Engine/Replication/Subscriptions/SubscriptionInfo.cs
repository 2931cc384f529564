namespace Ferry.Engine.Replication.Subscriptions;

/// <summary>A subscription as the portal and the API show it (without live figures; see <see cref="Status.SubscriptionStatus"/>).</summary>
public sealed record SubscriptionInfo(int Id, int SetId, int TargetNodeId, string ConsumerName, string State);
