using System.Security.Claims;
using Ferry.Engine.Nodes;
using Npgsql;

namespace Ferry.Portal.Api;

/// <summary>
/// <c>/api/nodes</c>: list and create; <c>/api/nodes/{id}</c>: get, update, delete; <c>POST /api/nodes/{id}/check</c>
/// and <c>/install</c>. Viewers read, Operators also check, Admins change nodes and install Ferry's schema.
/// </summary>
internal static class NodesApi
{
    public static RouteGroupBuilder MapNodesApi(this RouteGroupBuilder api)
    {
        var nodes = api.MapGroup("/nodes").WithTags("Nodes");

        nodes.MapGet("/", (ClaimsPrincipal user, NodeAdministration service, CancellationToken ct) => service.ListAsync(user, ct))
            .WithName("ListNodes").WithSummary("Every node (passwords are never returned)");

        nodes.MapPost("/", async (NodeRequest request, ClaimsPrincipal user, NodeAdministration service, CancellationToken ct) =>
            {
                var node = await service.CreateAsync(user, request.ToInput(), ct);
                return TypedResults.Created($"/api/nodes/{node.Id}", node);
            })
            .WithName("CreateNode").WithSummary("Add a node (Admin); it is tested at once and 'probe' says whether Ferry can reach it")
            .WithDescription("The name takes 1 to 50 lower-case letters, digits and underscores, starting with a letter (as a set's). "
                + "A node that cannot be reached is saved all the same (201): 'probe.connected' is false and 'probe.message' says why.");

        nodes.MapGet("/{id:int}", (int id, ClaimsPrincipal user, NodeAdministration service, CancellationToken ct) =>
                service.GetAsync(user, id, ct))
            .WithName("GetNode");

        nodes.MapPut("/{id:int}", (int id, NodeRequest request, ClaimsPrincipal user, NodeAdministration service, CancellationToken ct) =>
                service.UpdateAsync(user, id, request.ToInput(), ct))
            .WithName("UpdateNode").WithSummary("Change a node (Admin); leave password out to keep it; 'probe' says whether Ferry can reach it")
            .WithDescription("The stored password is kept only while host, port, database and user stay the same: change one of them "
                + "and the password must be sent again (400 otherwise), so it never goes to another server.");

        nodes.MapDelete("/{id:int}", async (int id, ClaimsPrincipal user, NodeAdministration service, CancellationToken ct) =>
            {
                await service.DeleteAsync(user, id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteNode").WithSummary("Remove a node no set or subscription uses (Admin)");

        nodes.MapPost("/{id:int}/check", (int id, ClaimsPrincipal user, NodeAdministration service, CancellationToken ct) =>
                service.CheckAsync(user, id, ct))
            .WithName("CheckNode").WithSummary("Test the connection: server version, installed and latest schema version (Operator)");

        nodes.MapPost("/{id:int}/install", (int id, ClaimsPrincipal user, NodeAdministration service, CancellationToken ct) =>
                service.InstallAsync(user, id, ct))
            .WithName("InstallNode").WithSummary("Install or upgrade Ferry's schema on the node (Admin)");
        return api;
    }

    /// <summary>
    /// A node as a script sends it. <c>port</c> defaults to 5432, <c>sslMode</c> to Prefer. <c>targetSchemas</c>: the schemas
    /// table rules may write into on this node (Admin); <c>[]</c> allows any, left out keeps the stored list on an update.
    /// </summary>
    internal sealed record NodeRequest(
        string? Name, string? Host, int? Port, string? Database, string? UserName, string? Password, SslMode? SslMode,
        IReadOnlyList<string>? TargetSchemas = null)
    {
        public NodeInput ToInput() => new(
            Name ?? "", Host ?? "", Port ?? 5432, Database ?? "", UserName ?? "", Password, SslMode ?? Npgsql.SslMode.Prefer,
            TargetSchemas);
    }
}
