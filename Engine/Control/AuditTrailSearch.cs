using System.Security.Claims;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Control;

/// <summary>Reads the audit trail page by page with filters (Viewer or higher). There is no way to change an entry.</summary>
public sealed class AuditTrailSearch(IDbContextFactory<ControlDbContext> contexts)
{
    public const int MaxPageSize = 500;

    public async Task<AuditPage> SearchAsync(
        ClaimsPrincipal user, AuditFilter filter, int skip, int take, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        if (skip < 0 || take is < 1 or > MaxPageSize)
        {
            throw new RequestRefusedException($"Ask for 1 to {MaxPageSize} entries from offset 0 or more.");
        }
        if (filter.From is { } from && filter.To is { } to && from > to)
        {
            throw new RequestRefusedException("'from' is after 'to'.");
        }
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var query = context.AuditEntries.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.UserName))
        {
            query = query.Where(a => EF.Functions.ILike(a.UserName, Like(filter.UserName)));
        }
        if (!string.IsNullOrWhiteSpace(filter.Action))
        {
            query = query.Where(a => EF.Functions.ILike(a.Action, Like(filter.Action)));
        }
        if (!string.IsNullOrWhiteSpace(filter.EntityType))
        {
            query = query.Where(a => EF.Functions.ILike(a.EntityType, Like(filter.EntityType)));
        }
        if (filter.From is { } after)
        {
            query = query.Where(a => a.At >= after.ToUniversalTime());
        }
        if (filter.To is { } before)
        {
            query = query.Where(a => a.At <= before.ToUniversalTime());
        }
        var total = await query.CountAsync(cancellationToken).ConfigureAwait(false);
        var entries = await query.OrderByDescending(a => a.Id).Skip(skip).Take(take)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return new AuditPage(
            [.. entries.Select(a => new AuditRow(
                a.Id, a.At, a.UserName, a.Action, a.EntityType, a.EntityId,
                a.Before?.RootElement.GetRawText(), a.After?.RootElement.GetRawText()))],
            total);
    }

    private static string Like(string text) =>
        "%" + text.Trim().Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal)
            .Replace("_", @"\_", StringComparison.Ordinal) + "%";
}
