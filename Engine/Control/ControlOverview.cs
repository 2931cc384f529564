using Ferry.Engine.Target;

namespace Ferry.Engine.Control;

/// <summary>What the control database holds, counted: the dashboard's figures, nothing estimated.</summary>
public sealed record ControlOverview(
    int Nodes,
    int NodesFailingProbe,
    int Sets,
    IReadOnlyDictionary<SubscriptionState, int> Subscriptions,
    IReadOnlyDictionary<TableState, int> Tables,
    int Schedules,
    IReadOnlyList<NodeStatus> NodeStatuses)
{
    public int SubscriptionCount => Subscriptions.Values.Sum();

    public int TableCount => Tables.Values.Sum();
}

/// <summary>One node as the last health probe saw it.</summary>
public sealed record NodeStatus(int Id, string Name, string Endpoint, string? ServerVersion, DateTimeOffset? LastProbedAt, string? LastProbeError);
