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
                DateTimeOffset? from = null, DateTimeOffset? to = null, int? skip = null, int? take = null, int? page = null,
                int? pageSize = null) =>
            {
                var (offset, count) = Paging(skip, take, page, pageSize);
                return search.SearchAsync(principal, new AuditFilter(user, action, entity, from, to), offset, count, ct);
            })
            .WithTags("Audit").WithName("ListAudit")
            .WithSummary("Audit entries; filters: user, action, entity (type), from/to (ISO 8601); paging: page (from 0) and "
                + $"pageSize (1 to {AuditTrailSearch.MaxPageSize}), or skip and take (default 0 and 50)");
        return api;
    }

    private static (int Offset, int Count) Paging(int? skip, int? take, int? page, int? pageSize)
    {
        if (page is not null || pageSize is not null)
        {
            if (skip is not null || take is not null)
            {
                throw new ApiParameterException(skip is not null ? "skip" : "take", "Page with page and pageSize, or with skip and take, not both.");
            }
            var size = pageSize ?? 50;
            return (ApiPaging.Offset(page ?? 0, size, AuditTrailSearch.MaxPageSize), size);
        }
        ApiPaging.CheckSkipTake(skip ?? 0, take ?? 50, AuditTrailSearch.MaxPageSize);
        return (skip ?? 0, take ?? 50);
    }
}
