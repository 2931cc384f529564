using System.Security.Claims;
using Ferry.Engine.Control;

namespace Ferry.Portal.Api;

/// <summary><c>GET /api/audit</c>: the audit trail, newest first, filtered and paged. Read-only: there is no write verb.</summary>
internal static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", (
                ClaimsPrincipal principal, AuditTrailSearch search, CancellationToken ct,
                string? user = null, string? action = null, string? entity = null,
                DateTimeOffset? from = null, DateTimeOffset? to = null, int skip = 0, int take = 50) =>
                search.SearchAsync(principal, new AuditFilter(user, action, entity, from, to), skip, take, ct))
            .WithTags("Audit").WithName("ListAudit")
            .WithSummary("Audit entries; filters: user, action, entity (type), from/to (ISO 8601); paging: skip, take");
        return api;
    }
}
