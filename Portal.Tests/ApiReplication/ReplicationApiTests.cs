using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ferry.Engine.Demo;
using Ferry.Engine.Replication;
using Ferry.Portal.Tests.Api;
using Ferry.Portal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Portal.Tests.ApiReplication;

/// <summary>
/// <c>/api/sets</c>, <c>/api/subscriptions</c> and <c>/api/status</c> over the seed scenario: what an Operator does, what is
/// refused with the engine's message as problem details, and what a Viewer may not do (403). The portal's loops are off
/// here, so tables stay New; the walkthrough test watches them copy.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class ReplicationApiTests(PortalFixture fixture, SeedNodes seed) : IClassFixture<SeedNodes>, IAsyncLifetime
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => new(seed.ForgetReplicationAsync());

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Operator_OnANodeWithoutFerry_Gets403_AnAdminMustInstall_AndTheAdminsSetInstallsIt()
    {
        var superuser = fixture.Postgres.Cluster.ConnectionString();
        var parts = new NpgsqlConnectionStringBuilder(
            await SeedScenario.CreateSourceAsync(superuser, "api_no_ferry", "digoal_01", "pw1", 10, Token));
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        using var node = await admin.PostAsJsonAsync("/api/nodes", new
        {
            name = "api_no_ferry",
            host = parts.Host,
            port = parts.Port,
            database = parts.Database,
            userName = parts.Username,
            password = parts.Password,
            sslMode = "Disable",
        }, Token);
        var nodeId = (await ApiClient.JsonAsync(node, HttpStatusCode.Created)).GetProperty("id").GetInt32();
        using var op = await ApiClient.AsAsync(fixture, "operator");

        using var refused = await op.PostAsJsonAsync("/api/sets", new { name = "api_no_ferry", rootNodeId = nodeId }, Token);
        Assert.Contains("An Admin must install Ferry on node 'api_no_ferry'",
            await ApiClient.AssertProblemAsync(refused, HttpStatusCode.Forbidden), StringComparison.Ordinal);

        using var created = await admin.PostAsJsonAsync("/api/sets", new { name = "api_no_ferry", rootNodeId = nodeId }, Token);
        var setId = (await ApiClient.JsonAsync(created, HttpStatusCode.Created)).GetProperty("id").GetInt32();
        using var dropped = await admin.DeleteAsync($"/api/sets/{setId}", Token);
        Assert.Equal(HttpStatusCode.NoContent, dropped.StatusCode);
        using var removed = await admin.DeleteAsync($"/api/nodes/{nodeId}", Token);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
    }

    [Fact]
    public async Task Operator_CreatesASet_Subscribes_AddsTablesAndSequences_PausesResumes_AndDropsItAll()
    {
        using var op = await ApiClient.AsAsync(fixture, "operator");

        using var created = await op.PostAsJsonAsync("/api/sets", new { name = "api_walk", rootNodeId = seed.SourceId }, Token);
        var set = await ApiClient.JsonAsync(created, HttpStatusCode.Created);
        var setId = set.GetProperty("id").GetInt32();
        Assert.Equal($"/api/sets/{setId}", created.Headers.Location!.OriginalString);
        Assert.Equal("api_walk", set.GetProperty("queueName").GetString());

        using var subscribed = await op.PostAsJsonAsync($"/api/sets/{setId}/subscriptions", new { targetNodeId = seed.TargetId }, Token);
        var subscription = await ApiClient.JsonAsync(subscribed, HttpStatusCode.Created);
        var id = subscription.GetProperty("id").GetInt32();
        Assert.Equal($"/api/subscriptions/{id}", subscribed.Headers.Location!.OriginalString);

        using var list = await op.GetAsync("/api/sets", Token);
        var listed = (await ApiClient.JsonAsync(list)).EnumerateArray().Single(s => s.GetProperty("id").GetInt32() == setId);
        Assert.Equal(id, listed.GetProperty("subscriptions")[0].GetProperty("id").GetInt32());
        using var one = await op.GetAsync($"/api/sets/{setId}", Token);
        Assert.Equal(seed.TargetName, (await ApiClient.JsonAsync(one)).GetProperty("subscriptions")[0].GetProperty("targetNodeName").GetString());

        using var table = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables",
            new { source = "digoal_01.user_info", target = "digoal_02.user_info", filter = "userid <= 100" }, Token);
        var added = await ApiClient.JsonAsync(table, HttpStatusCode.Created);
        var tableId = added.GetProperty("id").GetInt32();
        Assert.Contains("user_info", added.GetProperty("target").GetString(), StringComparison.Ordinal);
        Assert.Equal("userid <= 100", added.GetProperty("filter").GetString());
        Assert.False(added.GetProperty("addMissingColumns").GetBoolean());

        using var tables = await op.GetAsync($"/api/subscriptions/{id}/tables", Token);
        Assert.Equal(tableId, (await ApiClient.JsonAsync(tables))[0].GetProperty("id").GetInt32());
        using var session = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables",
            new { source = "digoal_01.user_session", target = "digoal_02.user_session", addMissingColumns = true }, Token);
        Assert.True((await ApiClient.JsonAsync(session, HttpStatusCode.Created)).GetProperty("addMissingColumns").GetBoolean());
        using var paged = await op.GetAsync($"/api/subscriptions/{id}/tables?page=1&pageSize=1", Token);
        Assert.Contains("user_session", (await ApiClient.JsonAsync(paged)).EnumerateArray().Single().GetProperty("source").GetString(),
            StringComparison.Ordinal);
        Assert.Equal("2", paged.Headers.GetValues("X-Total-Count").Single());
        using var searched = await op.GetAsync($"/api/subscriptions/{id}/tables?search=info", Token);
        Assert.Equal(tableId, (await ApiClient.JsonAsync(searched)).EnumerateArray().Single().GetProperty("id").GetInt32());
        Assert.Equal("1", searched.Headers.GetValues("X-Total-Count").Single());
        using var badPage = await op.GetAsync($"/api/subscriptions/{id}/tables?pageSize=0", Token);
        Assert.Contains("pageSize 0 is out of range: ask for 1 to 1000 rows", await ApiClient.AssertProblemAsync(badPage, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        // Loops are off here, so the table stays New and a resync is refused (see Operator_ResyncsACopiedTable_OverHttp).
        using var resync = await op.PostAsync($"/api/subscriptions/{id}/tables/{tableId}/resync", null, Token);
        Assert.Contains("not copied yet", await ApiClient.AssertProblemAsync(resync, HttpStatusCode.Conflict), StringComparison.Ordinal);
        using var retry = await op.PostAsync($"/api/subscriptions/{id}/tables/{tableId}/retry", null, Token);
        Assert.Contains("not in error", await ApiClient.AssertProblemAsync(retry, HttpStatusCode.Conflict), StringComparison.Ordinal);
        using var noTable = await op.PostAsync($"/api/subscriptions/{id}/tables/{tableId + 1000}/resync", null, Token);
        Assert.Contains($"has no table {tableId + 1000}", await ApiClient.AssertProblemAsync(noTable, HttpStatusCode.NotFound),
            StringComparison.Ordinal);

        using var sequence = await op.PostAsJsonAsync($"/api/subscriptions/{id}/sequences",
            new { source = "digoal_01.seq_login_id", target = "digoal_02.seq_login_id" }, Token);
        await ApiClient.JsonAsync(sequence, HttpStatusCode.Created);
        using var sequences = await op.GetAsync($"/api/subscriptions/{id}/sequences", Token);
        Assert.Contains("seq_login_id", (await ApiClient.JsonAsync(sequences))[0].GetProperty("source").GetString(), StringComparison.Ordinal);

        using var paused = await op.PostAsync($"/api/subscriptions/{id}/pause", null, Token);
        Assert.Equal("Paused", (await ApiClient.JsonAsync(paused)).GetProperty("state").GetString());
        using var resumed = await op.PostAsync($"/api/subscriptions/{id}/resume", null, Token);
        Assert.Equal("Active", (await ApiClient.JsonAsync(resumed)).GetProperty("state").GetString());

        using var get = await op.GetAsync($"/api/subscriptions/{id}", Token);
        var status = await ApiClient.JsonAsync(get);
        Assert.Equal("Active", status.GetProperty("state").GetString());
        Assert.True(status.TryGetProperty("lagSeconds", out _));
        Assert.Contains("user_info", status.GetProperty("tables")[0].GetProperty("source").GetString(), StringComparison.Ordinal);
        using var all = await op.GetAsync("/api/status", Token);
        Assert.Contains((await ApiClient.JsonAsync(all)).EnumerateArray(), s => s.GetProperty("id").GetInt32() == id);

        using var removed = await op.DeleteAsync($"/api/subscriptions/{id}/tables/{tableId}", Token);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        using var dropped = await op.DeleteAsync($"/api/subscriptions/{id}", Token);
        Assert.Equal(HttpStatusCode.NoContent, dropped.StatusCode);
        using var deleted = await op.DeleteAsync($"/api/sets/{setId}", Token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await op.GetAsync($"/api/sets/{setId}", Token);
        Assert.Contains($"no set {setId}", await ApiClient.AssertProblemAsync(gone, HttpStatusCode.NotFound), StringComparison.Ordinal);
        using var goneSubscription = await op.GetAsync($"/api/subscriptions/{id}", Token);
        await ApiClient.AssertProblemAsync(goneSubscription, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Refusals_ComeBackAsProblemDetails_WithTheEnginesMessage()
    {
        using var op = await ApiClient.AsAsync(fixture, "operator");
        var (setId, id) = await seed.SubscribeAsync("api_refusals");

        foreach (var keyless in new[] { "user_login_rec", "user_logout_rec" })
        {
            using var refused = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables", new { source = $"digoal_01.{keyless}" }, Token);
            var detail = await ApiClient.AssertProblemAsync(refused, HttpStatusCode.BadRequest);
            Assert.Contains($"\"digoal_01\".\"{keyless}\" has no primary key", detail, StringComparison.Ordinal);
        }
        using var tables = await op.GetAsync($"/api/subscriptions/{id}/tables", Token);
        Assert.Equal(0, (await ApiClient.JsonAsync(tables)).GetArrayLength());

        using var badName = await op.PostAsJsonAsync("/api/sets", new { name = "Not A Name", rootNodeId = seed.SourceId }, Token);
        Assert.Contains("not a valid set name", await ApiClient.AssertProblemAsync(badName, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        using var duplicate = await op.PostAsJsonAsync("/api/sets", new { name = "api_refusals", rootNodeId = seed.SourceId }, Token);
        Assert.Contains("exists already", await ApiClient.AssertProblemAsync(duplicate, HttpStatusCode.Conflict), StringComparison.Ordinal);
        using var twice = await op.PostAsJsonAsync($"/api/sets/{setId}/subscriptions", new { targetNodeId = seed.TargetId }, Token);
        Assert.Contains("already subscribed", await ApiClient.AssertProblemAsync(twice, HttpStatusCode.Conflict), StringComparison.Ordinal);
        using var inUse = await op.DeleteAsync($"/api/sets/{setId}", Token);
        Assert.Contains("drop them first", await ApiClient.AssertProblemAsync(inUse, HttpStatusCode.Conflict), StringComparison.Ordinal);
        using var noSequence = await op.PostAsJsonAsync($"/api/subscriptions/{id}/sequences", new { source = "digoal_01.nope" }, Token);
        Assert.Contains("no sequence", await ApiClient.AssertProblemAsync(noSequence, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        using var user = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables",
            new { source = "digoal_01.user_info", target = "digoal_02.user_info" }, Token);
        await ApiClient.JsonAsync(user, HttpStatusCode.Created);
        using var again = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables",
            new { source = "digoal_01.user_info", target = "digoal_02.user_info" }, Token);
        Assert.Contains("already part of", await ApiClient.AssertProblemAsync(again, HttpStatusCode.Conflict), StringComparison.Ordinal);
        using var sameTarget = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables",
            new { source = "digoal_01.user_session", target = "digoal_02.user_info" }, Token);
        Assert.Contains("already goes to", await ApiClient.AssertProblemAsync(sameTarget, HttpStatusCode.Conflict), StringComparison.Ordinal);
        using var noSubscription = await op.PostAsync($"/api/subscriptions/{id + 1000}/pause", null, Token);
        Assert.Contains($"no subscription {id + 1000}", await ApiClient.AssertProblemAsync(noSubscription, HttpStatusCode.NotFound),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operator_ResyncsACopiedTable_OverHttp()
    {
        using var op = await ApiClient.AsAsync(fixture, "operator");
        var (setId, id) = await seed.SubscribeAsync("api_resync");
        using var added = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables",
            new { source = "digoal_01.user_info", target = "digoal_02.user_info", filter = "userid <= 50" }, Token);
        var tableId = (await ApiClient.JsonAsync(added, HttpStatusCode.Created)).GetProperty("id").GetInt32();

        // The portal's loops are off in this fixture: run the set's ticker and the subscription's runner as the jobs would.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var services = fixture.Portal.Services;
        var loops = new[]
        {
            Task.Run(() => services.GetRequiredService<SetTickerRunner>().RunAsync(setId, stop.Token), Token),
            Task.Run(() => services.GetRequiredService<SubscriptionRunner>().RunAsync(id, stop.Token), Token),
        };
        try
        {
            await TableStateAsync(op, id, tableId, "Ok");
            // The target drifts (a DBA's mistake): the resync copies the table again and puts it right.
            await using (var target = new NpgsqlConnection(seed.TargetConnectionString))
            {
                await target.OpenAsync(Token);
                await using var drift = new NpgsqlCommand("DELETE FROM digoal_02.user_info WHERE userid % 2 = 0", target);
                Assert.True(await drift.ExecuteNonQueryAsync(Token) > 0);
            }

            using var resync = await op.PostAsync($"/api/subscriptions/{id}/tables/{tableId}/resync", null, Token);
            var resynced = await ApiClient.JsonAsync(resync);
            Assert.Equal(tableId, resynced.GetProperty("id").GetInt32());
            Assert.Equal("Copying", resynced.GetProperty("state").GetString());
            await TableStateAsync(op, id, tableId, "Ok");

            Assert.Equal(await CountAsync(seed.SourceConnectionString, "digoal_01.user_info WHERE userid <= 50"),
                await CountAsync(seed.TargetConnectionString, "digoal_02.user_info"));
            using var audit = await op.GetAsync("/api/audit?action=resync", Token);
            Assert.Contains((await ApiClient.JsonAsync(audit)).GetProperty("items").EnumerateArray(),
                e => e.GetProperty("entityId").GetString() == tableId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var loop in loops)
            {
                try
                {
                    await loop;
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    [Fact]
    public async Task Viewer_ReadsEverything_ButEveryChangeIs403()
    {
        using var op = await ApiClient.AsAsync(fixture, "operator");
        var (setId, id) = await seed.SubscribeAsync("api_viewer");
        using var table = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables", new { source = "digoal_01.user_info", target = "digoal_02.user_info" }, Token);
        var tableId = (await ApiClient.JsonAsync(table, HttpStatusCode.Created)).GetProperty("id").GetInt32();
        using var viewer = await ApiClient.AsAsync(fixture, "viewer");

        foreach (var path in new[] { "/api/sets", $"/api/sets/{setId}", $"/api/subscriptions/{id}", $"/api/subscriptions/{id}/tables",
                     $"/api/subscriptions/{id}/sequences", "/api/status" })
        {
            using var read = await viewer.GetAsync(path, Token);
            Assert.True(read.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)read.StatusCode}");
        }

        var changes = new List<(HttpMethod Method, string Path, object? Body)>
        {
            (HttpMethod.Post, "/api/sets", new { name = "api_by_viewer", rootNodeId = seed.SourceId }),
            (HttpMethod.Delete, $"/api/sets/{setId}", null),
            (HttpMethod.Post, $"/api/sets/{setId}/subscriptions", new { targetNodeId = seed.TargetId }),
            (HttpMethod.Delete, $"/api/subscriptions/{id}", null),
            (HttpMethod.Post, $"/api/subscriptions/{id}/pause", null),
            (HttpMethod.Post, $"/api/subscriptions/{id}/resume", null),
            (HttpMethod.Post, $"/api/subscriptions/{id}/tables", new { source = "digoal_01.user_session" }),
            (HttpMethod.Delete, $"/api/subscriptions/{id}/tables/{tableId}", null),
            (HttpMethod.Post, $"/api/subscriptions/{id}/tables/{tableId}/resync", null),
            (HttpMethod.Post, $"/api/subscriptions/{id}/tables/{tableId}/retry", null),
            (HttpMethod.Post, $"/api/subscriptions/{id}/sequences", new { source = "digoal_01.seq_login_id" }),
        };
        foreach (var (method, path, body) in changes)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await viewer.SendAsync(request, Token);
            var detail = await ApiClient.AssertProblemAsync(response, HttpStatusCode.Forbidden);
            Assert.Contains("Operator", detail, StringComparison.Ordinal);
        }
        using var still = await op.GetAsync($"/api/subscriptions/{id}", Token);
        var status = await ApiClient.JsonAsync(still);
        Assert.Equal("Active", status.GetProperty("state").GetString());
        Assert.Equal(1, status.GetProperty("tables").GetArrayLength());
    }

    [Fact]
    public async Task OpenApiDocument_DescribesEveryReplicationEndpoint()
    {
        using var client = ApiClient.Anonymous(fixture);
        using var response = await client.GetAsync("/openapi/v1.json", Token);
        var paths = (await ApiClient.JsonAsync(response)).GetProperty("paths");

        foreach (var path in new[]
                 {
                     "/api/sets", "/api/sets/{id}", "/api/sets/{id}/subscriptions", "/api/subscriptions/{id}", "/api/subscriptions/{id}/pause",
                     "/api/subscriptions/{id}/resume", "/api/subscriptions/{id}/tables", "/api/subscriptions/{id}/tables/{tableId}",
                     "/api/subscriptions/{id}/tables/{tableId}/resync", "/api/subscriptions/{id}/tables/{tableId}/retry",
                     "/api/subscriptions/{id}/sequences", "/api/status", "/api/status/merges",
                 })
        {
            Assert.True(paths.TryGetProperty(path, out _) || paths.TryGetProperty(path + "/", out _), $"{path} is not in the OpenAPI document");
        }
    }

    /// <summary>Waits (at most a minute) until the API shows the table in the state; fails with the state it stayed in.</summary>
    private static async Task TableStateAsync(HttpClient op, int subscriptionId, int tableId, string state)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await op.GetAsync($"/api/subscriptions/{subscriptionId}/tables", Token);
            var table = (await ApiClient.JsonAsync(response)).EnumerateArray().Single(t => t.GetProperty("id").GetInt32() == tableId);
            last = table.GetProperty("state").GetString();
            if (last == state)
            {
                return;
            }
            Assert.NotEqual("Error", last);
            await Task.Delay(200, Token);
        }
        Assert.Fail($"Table {tableId} stayed {last}, not {state}, for a minute.");
    }

    private static async Task<long> CountAsync(string connectionString, string from)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {from}", connection);
        return (long)(await command.ExecuteScalarAsync(Token))!;
    }
}
