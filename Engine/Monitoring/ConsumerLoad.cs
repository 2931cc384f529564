using Ferry.Engine.Queue;

namespace Ferry.Engine.Monitoring;

/// <summary>One consumer of the set's queue, with the subscription that owns it (none: a consumer Ferry does not know).</summary>
/// <param name="HoldsBackCleanup">Rotation is due and cannot truncate the oldest event table because this consumer needs it.</param>
public sealed record ConsumerLoad(
    string Consumer,
    int? SubscriptionId,
    string? Target,
    string? State,
    double LagSeconds,
    long PendingEvents,
    bool HoldsBackCleanup);
