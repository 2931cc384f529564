using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Schedules;

/// <summary>
/// Stands in for the replication service's resync until it exists: records "not available yet" in the audit trail and
/// fails the job, so a schedule never silently pretends to have resynced anything.
/// </summary>
public sealed class UnavailableResyncRunner(IDbContextFactory<ControlDbContext> contexts, TimeProvider time) : IResyncRunner
{
    public Task ResyncTableAsync(int tableRuleId, string requestedBy, CancellationToken cancellationToken) =>
        RefuseAsync(nameof(TableRule), tableRuleId, requestedBy, cancellationToken);

    public Task ResyncSubscriptionAsync(int subscriptionId, string requestedBy, CancellationToken cancellationToken) =>
        RefuseAsync(nameof(Subscription), subscriptionId, requestedBy, cancellationToken);

    private async Task RefuseAsync(string entityType, int id, string requestedBy, CancellationToken cancellationToken)
    {
        const string message = "Resync is not available yet in this build of Ferry: nothing was copied.";
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        context.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            UserName = requestedBy,
            Action = "resync-not-available",
            EntityType = entityType,
            EntityId = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            After = System.Text.Json.JsonDocument.Parse($$"""{"message":"{{message}}"}"""),
        });
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        throw new NotSupportedException(message);
    }
}
