namespace Ferry.Engine.Schedules;

/// <summary>
/// What a scheduled compare calls (docs/decisions/ADR-018-compare-portal-and-resync-in-place.md); implemented by
/// <see cref="Replication.ReplicationCompareRunner"/>.
/// </summary>
public interface ICompareRunner
{
    /// <summary>Compares one table into a report; repairs it from the report when it differs and <paramref name="repairAfter"/>.</summary>
    Task CompareTableAsync(int tableRuleId, string requestedBy, bool repairAfter, CancellationToken cancellationToken);

    /// <summary>Compares every table of a subscription that is ok, one after the other, each as <see cref="CompareTableAsync"/>.</summary>
    Task CompareSubscriptionAsync(int subscriptionId, string requestedBy, bool repairAfter, CancellationToken cancellationToken);
}
