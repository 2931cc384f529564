using System.Security.Claims;
using Ferry.Engine.Monitoring;

namespace Ferry.Portal.Api;

/// <summary>
/// <c>GET /api/sets/{id}/source-load</c> and <c>GET /api/status/source-load</c>: what capture costs each set's root (events
/// written per second, event tables and rotation, oldest unconsumed tick, consumers holding back the cleanup, with warnings and
/// their fix). Viewer.
/// </summary>
internal static class SourceLoadApi
{
    public static RouteGroupBuilder MapSourceLoadApi(this RouteGroupBuilder api)
    {
        const string Description =
            "Read from the root when asked. eventsPerSecond is taken from this portal's earlier reads (null until two reads some "
            + "seconds apart exist); boundSeconds is how long events stay at most while every consumer keeps up (tables times the "
            + "rotation period); a consumer holdsBackCleanup when rotation is due and the oldest event table still holds events it "
            + "has not finished, and then a warning says why it does not move and how to end it.";
        api.MapGet("/sets/{id:int}/source-load", (int id, ClaimsPrincipal user, SourceLoadQuery load, CancellationToken ct) =>
                load.GetAsync(user, id, ct))
            .WithTags("Sets").WithName("GetSourceLoad").WithSummary("What capture costs the set's root").WithDescription(Description);
        api.MapGet("/status/source-load", (ClaimsPrincipal user, SourceLoadQuery load, CancellationToken ct) => load.GetAllAsync(user, ct))
            .WithTags("Status").WithName("GetSourceLoads").WithSummary("What capture costs each set's root").WithDescription(Description);
        return api;
    }
}
