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
/// The seed scenario in the portal fixture's cluster: a source (schema <c>digoal_01</c>, with the two keyless log tables)
/// and a target with the two user tables in schema <c>digoal_02</c>, added as nodes <c>repl_source_N</c> / <c>repl_target_N</c> (N per instance).
/// </summary>
public sealed class SeedNodes(PortalFixture fixture) : IAsyncLifetime
{
    private static int _instances;

    // Databases and nodes are named per instance (one per test class that uses it): a database recreated under the
    // same name would meet the portal's pool still holding connections to the dropped one.
    private readonly int _instance = Interlocked.Increment(ref _instances);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>The source node's name.</summary>
    public string SourceName => $"repl_source_{_instance}";

    /// <summary>The target node's name.</summary>
    public string TargetName => $"repl_target_{_instance}";

    public int SourceId { get; private set; }

    public int TargetId { get; private set; }

    /// <summary>The source database as its owner (<c>digoal_01</c>) connects.</summary>
    public string SourceConnectionString { get; private set; } = "";

    /// <summary>The target database as its owner connects.</summary>
    public string TargetConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var superuser = fixture.Postgres.Cluster.ConnectionString();
        var source = await SeedScenario.CreateSourceAsync(superuser, $"api_repl_src_{_instance}", "digoal_01", "pw1", 200, Token);
        var target = await SeedScenario.CreateTargetAsync(superuser, $"api_repl_t_{_instance}", "digoal_02", "pw2", allTables: false, Token);
        (SourceConnectionString, TargetConnectionString) = (source, target);
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        SourceId = await AddNodeAsync(admin, SourceName, source);
        TargetId = await AddNodeAsync(admin, TargetName, target);
    }

    /// <summary>Creates set <paramref name="name"/> on the source and subscribes the target (as an Operator).</summary>
    public async Task<(int SetId, int SubscriptionId)> SubscribeAsync(string name)
    {
        using var op = await ApiClient.AsAsync(fixture, "operator");
        using var created = await op.PostAsJsonAsync("/api/sets", new { name, rootNodeId = SourceId }, Token);
        var setId = (await ApiClient.JsonAsync(created, HttpStatusCode.Created)).GetProperty("id").GetInt32();
        using var subscribed = await op.PostAsJsonAsync($"/api/sets/{setId}/subscriptions", new { targetNodeId = TargetId }, Token);
        return (setId, (await ApiClient.JsonAsync(subscribed, HttpStatusCode.Created)).GetProperty("id").GetInt32());
    }

    /// <summary>Forgets every set and subscription (the nodes stay for the next test).</summary>
    public async Task ForgetReplicationAsync()
    {
        var contexts = fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using var context = await contexts.CreateDbContextAsync();
        await context.Subscriptions.Where(s => s.Set!.RootNodeId == SourceId).ExecuteDeleteAsync();
        await context.Sets.Where(s => s.RootNodeId == SourceId).ExecuteDeleteAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await ForgetReplicationAsync();
        var contexts = fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using var context = await contexts.CreateDbContextAsync();
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
        var id = (await ApiClient.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetInt32();
        // Installing Ferry is the Admin's part; an Operator's set or subscription needs it there.
        using var installed = await admin.PostAsync($"/api/nodes/{id}/install", null, Token);
        await ApiClient.JsonAsync(installed);
        return id;
    }
}
