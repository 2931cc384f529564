using System.Net;
using System.Net.Http.Json;
using Ferry.Engine.Control;
using Ferry.Portal.Tests.Nodes;
using Ferry.Portal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Portal.Tests.Api;

/// <summary><c>targetSchemas</c> of a node over the API: stored cleaned, kept when an update leaves it out, cleared by [].</summary>
[Collection(PortalCollection.Name)]
public sealed class NodeTargetSchemasApiTests(PortalFixture fixture, NodeCluster cluster) : IClassFixture<NodeCluster>, IAsyncLifetime
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => RemoveTestNodesAsync();

    public ValueTask DisposeAsync() => RemoveTestNodesAsync();

    [Fact]
    public async Task TargetSchemas_AreStored_KeptWhenLeftOut_ClearedByEmpty_AndReservedOnesRefused()
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);

        using var created = await admin.PostAsJsonAsync("/api/nodes", Body("ts_api_node", [" sales", "sales", "Reports "]), Token);
        var node = await ApiClient.JsonAsync(created, HttpStatusCode.Created);
        var id = node.GetProperty("id").GetInt32();
        Assert.Equal(["sales", "Reports"], Schemas(node));

        using var kept = await admin.PutAsJsonAsync($"/api/nodes/{id}",
            new { name = "ts_api_node", host = "127.0.0.1", port = cluster.Port, database = "postgres", userName = "postgres" }, Token);
        Assert.Equal(["sales", "Reports"], Schemas(await ApiClient.JsonAsync(kept)));

        using var reserved = await admin.PutAsJsonAsync($"/api/nodes/{id}", Body("ts_api_node", ["pg_catalog"]), Token);
        Assert.Contains("The schema 'pg_catalog' belongs to Ferry or PostgreSQL",
            await ApiClient.AssertProblemAsync(reserved, HttpStatusCode.BadRequest), StringComparison.Ordinal);

        using var cleared = await admin.PutAsJsonAsync($"/api/nodes/{id}", Body("ts_api_node", []), Token);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await ApiClient.JsonAsync(cleared)).GetProperty("targetSchemas").ValueKind);
    }

    private object Body(string name, string[] schemas) => new
    {
        name, host = "127.0.0.1", port = cluster.Port, database = "postgres", userName = "postgres", password = NodeCluster.Password,
        targetSchemas = schemas,
    };

    private static string[] Schemas(System.Text.Json.JsonElement node) =>
        [.. node.GetProperty("targetSchemas").EnumerateArray().Select(s => s.GetString()!)];

    private async ValueTask RemoveTestNodesAsync()
    {
        var contexts = fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using var context = await contexts.CreateDbContextAsync();
        await context.Nodes.Where(n => n.Name.StartsWith("ts_api_")).ExecuteDeleteAsync();
    }
}
