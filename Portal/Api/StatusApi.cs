using System.Security.Claims;
using Ferry.Engine.Replication;

namespace Ferry.Portal.Api;

/// <summary><c>GET /api/status</c>: every subscription with its state, lag, events pending and table states (Viewer).</summary>
internal static class StatusApi
{
    public static RouteGroupBuilder MapStatusApi(this RouteGroupBuilder api)
    {
        api.MapGet("/status", (ClaimsPrincipal user, ReplicationStatusQuery status, CancellationToken ct) => status.GetStatusAsync(user, ct))
            .WithTags("Status").WithName("GetStatus").WithSummary("Every subscription with lag and table states");
        return api;
    }
}
