using System.Security.Claims;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;

namespace Ferry.Portal.Api;

/// <summary>
/// <c>/api/sets</c>: list and create (a name and a root node); <c>/api/sets/{id}</c>: get, delete;
/// <c>POST /api/sets/{id}/subscriptions</c>: subscribe a target node. Viewers read; Operators change (the service checks).
/// </summary>
internal static class SetsApi
{
    public static RouteGroupBuilder MapSetsApi(this RouteGroupBuilder api)
    {
        var sets = api.MapGroup("/sets").WithTags("Sets");

        sets.MapGet("/", (ClaimsPrincipal user, ReplicationStatusQuery status, CancellationToken ct) => ListAsync(user, status, ct))
            .WithName("ListSets").WithSummary("Every set with its subscriptions");

        sets.MapPost("/", async (SetRequest request, ClaimsPrincipal user, SetService service, CancellationToken ct) =>
            {
                var set = await service.CreateSetAsync(user, request.Name ?? "", request.RootNodeId ?? 0, ct);
                return TypedResults.Created($"/api/sets/{set.Id}", set);
            })
            .WithName("CreateSet").WithSummary("Create a set on a root node: installs the queue there (Operator)");

        sets.MapGet("/{id:int}", async (int id, ClaimsPrincipal user, ReplicationStatusQuery status, CancellationToken ct) =>
                (await ListAsync(user, status, ct)).SingleOrDefault(s => s.Id == id)
                ?? throw ReplicationRefusedException.NotFound($"There is no set {id}: it may have been dropped."))
            .WithName("GetSet");

        sets.MapDelete("/{id:int}", async (int id, ClaimsPrincipal user, SetService service, CancellationToken ct) =>
            {
                await service.DropSetAsync(user, id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteSet").WithSummary("Drop a set without subscriptions and its queue (Operator)");

        sets.MapPost("/{id:int}/subscriptions",
                async (int id, SubscribeRequest request, ClaimsPrincipal user, SubscriptionService service, CancellationToken ct) =>
                {
                    var subscription = await service.SubscribeAsync(user, id, request.TargetNodeId ?? 0, ct);
                    return TypedResults.Created($"/api/subscriptions/{subscription.Id}", subscription);
                })
            .WithName("Subscribe").WithSummary("Subscribe a target node to the set; its apply loop starts (Operator)");
        return api;
    }

    private static async Task<IReadOnlyList<SetView>> ListAsync(ClaimsPrincipal user, ReplicationStatusQuery status, CancellationToken ct)
    {
        var sets = await status.GetSetsAsync(user, ct);
        var subscriptions = await status.GetStatusAsync(user, ct);
        return [.. sets.Select(s => new SetView(s.Id, s.Name, s.RootNodeId, s.QueueName,
            [.. subscriptions.Where(x => x.SetId == s.Id)
                .Select(x => new SetSubscription(x.Id, x.TargetNodeId, x.TargetNodeName, x.State, x.LagSeconds, x.LastError))]))];
    }

    /// <summary>A set as the API shows it: what <see cref="SetInfo"/> holds and its subscriptions.</summary>
    internal sealed record SetView(int Id, string Name, int RootNodeId, string QueueName, IReadOnlyList<SetSubscription> Subscriptions);

    internal sealed record SetSubscription(int Id, int TargetNodeId, string TargetNodeName, string State, double? LagSeconds, string? LastError);

    internal sealed record SetRequest(string? Name, int? RootNodeId);

    internal sealed record SubscribeRequest(int? TargetNodeId);
}
