using System.Net;
using System.Net.Http.Json;
using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Portal.Tests.Api;
using Ferry.Portal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Portal.Tests.ApiReplication;

/// <summary>
/// A seed source and target of their own for the throughput tests, as nodes <c>tp-source-N</c> / <c>tp-target-N</c>, and a
/// subscription between them. Databases and nodes are named per instance: recreating a database another fixture made (and
/// whose connections an Npgsql pool still holds) would hand that pool's killed connections to the next user.
/// </summary>
public sealed class ThroughputNodes(PortalFixture fixture) : IAsyncLifetime
{
    private static int _instances;
    private readonly int _instance = Interlocked.Increment(ref _instances);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public int SourceId { get; private set; }

    public int TargetId { get; private set; }

    /// <summary>The target node's name (the dashboard card is <c>status-&lt;name&gt;</c>).</summary>
    public string TargetName => $"tp-target-{_instance}";

    public async ValueTask InitializeAsync()
    {
        var superuser = fixture.Postgres.Cluster.ConnectionString();
        var source = await SeedScenario.CreateSourceAsync(superuser, $"tp_src_{_instance}", "digoal_01", "pw1", 20, Token);
        var target = await SeedScenario.CreateTargetAsync(superuser, $"tp_t_{_instance}", "digoal_02", "pw2", allTables: false, Token);
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        SourceId = await AddNodeAsync(admin, $"tp-source-{_instance}", source);
        TargetId = await AddNodeAsync(admin, TargetName, target);
    }

    /// <summary>Creates set <paramref name="name"/> on the source and subscribes the target (as an Operator); returns its id.</summary>
    public async Task<int> SubscribeAsync(string name)
    {
        using var op = await ApiClient.AsAsync(fixture, "operator");
        using var created = await op.PostAsJsonAsync("/api/sets", new { name, rootNodeId = SourceId }, Token);
        var setId = (await ApiClient.JsonAsync(created, HttpStatusCode.Created)).GetProperty("id").GetInt32();
        using var subscribed = await op.PostAsJsonAsync($"/api/sets/{setId}/subscriptions", new { targetNodeId = TargetId }, Token);
        return (await ApiClient.JsonAsync(subscribed, HttpStatusCode.Created)).GetProperty("id").GetInt32();
    }

    public async ValueTask DisposeAsync()
    {
        var contexts = fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using var context = await contexts.CreateDbContextAsync();
        await context.Subscriptions.Where(s => s.Set!.RootNodeId == SourceId).ExecuteDeleteAsync();
        await context.Sets.Where(s => s.RootNodeId == SourceId).ExecuteDeleteAsync();
        await context.Nodes.Where(n => n.Id == SourceId || n.Id == TargetId).ExecuteDeleteAsync();
    }

    private static async Task<int> AddNodeAsync(HttpClient admin, string name, string connectionString)
    {
        var parts = new NpgsqlConnectionStringBuilder(connectionString);
        using var response = await admin.PostAsJsonAsync("/api/nodes", new
        {
            name,
            host = parts.Host,
            port = parts.Port,
            database = parts.Database,
            userName = parts.Username,
            password = parts.Password,
            sslMode = "Disable",
        }, Token);
        return (await ApiClient.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetInt32();
    }
}
