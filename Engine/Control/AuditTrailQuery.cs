using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Control;

/// <summary>One audit entry for display, with before/after as JSON text.</summary>
public sealed record AuditRow(long Id, DateTimeOffset At, string UserName, string Action, string EntityType, string? EntityId, string? Before, string? After);

/// <summary>Reads the audit trail, newest first.</summary>
public sealed class AuditTrailQuery(IDbContextFactory<ControlDbContext> contexts)
{
    public const int PageSize = 200;

    public async Task<IReadOnlyList<AuditRow>> LatestAsync(CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var entries = await context.AuditEntries.AsNoTracking().OrderByDescending(a => a.Id).Take(PageSize)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. entries.Select(a => new AuditRow(
            a.Id, a.At, a.UserName, a.Action, a.EntityType, a.EntityId, a.Before?.RootElement.GetRawText(), a.After?.RootElement.GetRawText()))];
    }
}
