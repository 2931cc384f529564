namespace Ferry.Engine.Schedules;

/// <summary>
/// What a scheduled resync calls. The replication service implements it; until then
/// <see cref="UnavailableResyncRunner"/> records in the audit trail that nothing ran.
/// </summary>
public interface IResyncRunner
{
    /// <summary>Copies one table of a subscription again (its table rule goes back to copying).</summary>
    Task ResyncTableAsync(int tableRuleId, string requestedBy, CancellationToken cancellationToken);

    /// <summary>Copies every table of a subscription again.</summary>
    Task ResyncSubscriptionAsync(int subscriptionId, string requestedBy, CancellationToken cancellationToken);
}
