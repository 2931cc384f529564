using System.Security.Claims;
using Ferry.Engine.Control;
using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Replication.Internal;

/// <summary>Writes the audit entry of a replication change (who, what, before/after) and tells live views about it.</summary>
internal sealed class ReplicationAudit(TimeProvider time, ILogger logger)
{
    /// <summary>Writes the audit entry; tells live views when the change belongs to a subscription.</summary>
    public async Task AuditAsync(
        ControlDbContext context, ClaimsPrincipal user, string action, string entityType, int id, object? before, object? after,
        int? subscriptionId, CancellationToken cancellationToken)
    {
        var name = user.Identity?.Name ?? "anonymous";
        context.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            UserName = name,
            Action = action,
            EntityType = entityType,
            EntityId = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Before = before is null ? null : AuditEntry.Snapshot(before),
            After = after is null ? null : AuditEntry.Snapshot(after),
        });
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        if ((subscriptionId ?? (entityType == nameof(Subscription) ? id : null)) is { } changed)
        {
            await ReplicationChanges.PublishAsync(context, changed, cancellationToken).ConfigureAwait(false);
        }
        logger.Changed(name, action, entityType, id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
