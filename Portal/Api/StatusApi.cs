using System.Security.Claims;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Throughput;

namespace Ferry.Portal.Api;

/// <summary>
/// <c>GET /api/status</c>: every subscription with its state, lag, events pending and table states; <c>GET
/// /api/status/throughput</c>: events applied per second over the last hour; <c>GET /api/status/merges</c>: merged target
/// tables with their sources (Viewer).
/// </summary>
internal static class StatusApi
{
    public static RouteGroupBuilder MapStatusApi(this RouteGroupBuilder api)
    {
        api.MapGet("/status", (ClaimsPrincipal user, ReplicationStatusQuery status, CancellationToken ct) => status.GetStatusAsync(user, ct))
            .WithTags("Status").WithName("GetStatus").WithSummary("Every subscription with lag and table states");
        api.MapGet("/status/throughput", (ClaimsPrincipal user, ThroughputQuery throughput, int? subscriptionId, CancellationToken ct) =>
                throughput.GetLastHourAsync(user, subscriptionId, ct))
            .WithTags("Status").WithName("GetThroughput").WithSummary("Events applied per second over the last hour, per subscription")
            .WithDescription("60 points a minute apart (UTC), oldest first, 0 for a minute without events; the last point is the "
                + "minute under way, its rate over the seconds elapsed. subscriptionId limits the answer to one subscription (404 if "
                + "there is none).");
        api.MapGet("/status/merges", (ClaimsPrincipal user, MergedTablesQuery merges, CancellationToken ct) => merges.GetAsync(user, ct))
            .WithTags("Status").WithName("GetMerges").WithSummary("Every target table several sets write, once, with its sources")
            .WithDescription("A merge (docs/decisions/ADR-021-merge.md): per target node and table, each set's table rule with the "
                + "target rows it owns (ownedRows), its state and last error.");
        return api;
    }
}
