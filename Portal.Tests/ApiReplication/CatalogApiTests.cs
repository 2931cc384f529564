using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ferry.Portal.Tests.Api;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.ApiReplication;

/// <summary>
/// <c>GET /api/subscriptions/{id}/catalog</c> over the seed scenario: the source's tables with their key and estimate for an
/// Operator (the keyless log tables flagged, an added table with its target), 404 problem details for an unknown subscription,
/// 403 for a Viewer.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class CatalogApiTests(PortalFixture fixture, SeedNodes seed) : IClassFixture<SeedNodes>, IAsyncLifetime
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => new(seed.ForgetReplicationAsync());

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Operator_ReadsTheSourceCatalog_WithKeysEstimatesAndAddedTables()
    {
        using var op = await ApiClient.AsAsync(fixture, "operator");
        var (_, id) = await seed.SubscribeAsync("api_catalog");
        using var table = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables",
            new { source = "digoal_01.user_info", target = "digoal_02.user_info" }, Token);
        await ApiClient.JsonAsync(table, HttpStatusCode.Created);

        using var response = await op.GetAsync($"/api/subscriptions/{id}/catalog", Token);
        var catalog = await ApiClient.JsonAsync(response);

        Assert.Equal(id, catalog.GetProperty("subscriptionId").GetInt32());
        Assert.Equal(seed.SourceName, catalog.GetProperty("rootNodeName").GetString());
        var tables = catalog.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal(["user_info", "user_login_rec", "user_logout_rec", "user_session"], tables.Keys.Order(StringComparer.Ordinal));
        Assert.All(tables.Values, t => Assert.Equal("digoal_01", t.GetProperty("schema").GetString()));

        var userInfo = tables["user_info"];
        Assert.Equal("digoal_01.user_info", userInfo.GetProperty("text").GetString());
        Assert.Equal(["userid"], userInfo.GetProperty("primaryKey").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(200, userInfo.GetProperty("estimatedRows").GetInt64());
        Assert.True(userInfo.GetProperty("added").GetBoolean());
        Assert.Equal("\"digoal_02\".\"user_info\"", userInfo.GetProperty("target").GetString());

        foreach (var keyless in new[] { "user_login_rec", "user_logout_rec" })
        {
            var log = tables[keyless];
            Assert.False(log.GetProperty("hasKey").GetBoolean());
            Assert.Equal(0, log.GetProperty("keyIndexes").GetArrayLength());
            Assert.Equal(JsonValueKind.Null, log.GetProperty("target").ValueKind);
            Assert.Contains("no primary key and no unique index", log.GetProperty("keyNote").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UnknownSubscription_Is404_AndAViewer403_AsProblemDetails()
    {
        using var op = await ApiClient.AsAsync(fixture, "operator");
        var (_, id) = await seed.SubscribeAsync("api_catalog_refusals");

        using var unknown = await op.GetAsync("/api/subscriptions/987654/catalog", Token);
        Assert.Contains("There is no subscription 987654", await ApiClient.AssertProblemAsync(unknown, HttpStatusCode.NotFound),
            StringComparison.Ordinal);

        using var viewer = await ApiClient.AsAsync(fixture, "viewer");
        using var denied = await viewer.GetAsync($"/api/subscriptions/{id}/catalog", Token);
        Assert.Contains("Operator", await ApiClient.AssertProblemAsync(denied, HttpStatusCode.Forbidden), StringComparison.Ordinal);

        using var anonymous = ApiClient.Anonymous(fixture);
        using var document = await anonymous.GetAsync("/openapi/v1.json", Token);
        var operation = (await ApiClient.JsonAsync(document)).GetProperty("paths")
            .GetProperty("/api/subscriptions/{id}/catalog").GetProperty("get");
        Assert.Equal("GetSourceCatalog", operation.GetProperty("operationId").GetString());
        Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()));
    }
}
