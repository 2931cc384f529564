using System.Net;
using System.Net.Http.Json;
using Ferry.Portal.Tests.Api;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.ApiReplication;

/// <summary>
/// A table's handler over <c>/api</c> (docs/decisions/ADR-019-handlers.md): listed with descriptions, chosen when a table is added
/// and changed later, an unknown name or a bad option refused with 400 changing nothing, a keyless table accepted only with a
/// handler that needs no key. The portal's loops are off here.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class HandlersApiTests(PortalFixture fixture, SeedNodes seed) : IClassFixture<SeedNodes>, IAsyncLifetime
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => new(seed.ForgetReplicationAsync());

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Handlers_AreListed_Chosen_Changed_AndBadNamesOrOptionsAreRefusedWith400()
    {
        var (_, id) = await seed.SubscribeAsync("api_handlers");
        using var op = await ApiClient.AsAsync(fixture, "operator");

        using var list = await op.GetAsync("/api/handlers", Token);
        var handlers = (await ApiClient.JsonAsync(list)).EnumerateArray().ToDictionary(h => h.GetProperty("name").GetString()!);
        Assert.Subset(handlers.Keys.ToHashSet(), new HashSet<string> { "bulk", "row", "append" });
        Assert.False(handlers["append"].GetProperty("needsKey").GetBoolean());
        Assert.Contains("inserts only", handlers["append"].GetProperty("description").GetString(), StringComparison.Ordinal);

        using var unknown = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables",
            new { source = "digoal_01.user_info", target = "digoal_02.user_info", handler = "nope" }, Token);
        var message = await ApiClient.AssertProblemAsync(unknown, HttpStatusCode.BadRequest);
        Assert.Contains("There is no handler 'nope': choose one of bulk, row, append", message, StringComparison.Ordinal);
        using var none = await op.GetAsync($"/api/subscriptions/{id}/tables", Token);
        Assert.Empty((await ApiClient.JsonAsync(none)).EnumerateArray());

        using var badOption = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables",
            new { source = "digoal_01.user_info", target = "digoal_02.user_info", handler = "row", handlerOptions = new { speed = "fast" } },
            Token);
        Assert.Contains("the handler row has no option 'speed' (it takes none)",
            await ApiClient.AssertProblemAsync(badOption, HttpStatusCode.BadRequest), StringComparison.Ordinal);

        // A keyless log table: refused without a handler that needs no key, and the refusal says append exists.
        using var keyless = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables",
            new { source = "digoal_01.user_login_rec", target = "digoal_02.user_login_rec", createTarget = true }, Token);
        Assert.Contains("choose the handler append", await ApiClient.AssertProblemAsync(keyless, HttpStatusCode.BadRequest),
            StringComparison.Ordinal);
        using var appended = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables",
            new { source = "digoal_01.user_login_rec", target = "digoal_02.user_login_rec", createTarget = true, handler = "append" }, Token);
        var log = await ApiClient.JsonAsync(appended, HttpStatusCode.Created);
        Assert.Equal("append", log.GetProperty("handler").GetString());
        Assert.Empty(log.GetProperty("key").EnumerateArray());

        using var info = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables",
            new { source = "digoal_01.user_info", target = "digoal_02.user_info" }, Token);
        var table = await ApiClient.JsonAsync(info, HttpStatusCode.Created);
        Assert.Equal("bulk", table.GetProperty("handler").GetString());
        var tableId = table.GetProperty("id").GetInt32();

        using var toUnknown = await op.PutAsJsonAsync($"/api/subscriptions/{id}/tables/{tableId}/handler", new { handler = "nope" }, Token);
        Assert.Contains("choose one of bulk, row, append", await ApiClient.AssertProblemAsync(toUnknown, HttpStatusCode.BadRequest),
            StringComparison.Ordinal);
        using var toRow = await op.PutAsJsonAsync($"/api/subscriptions/{id}/tables/{tableId}/handler", new { handler = "row" }, Token);
        Assert.Equal("row", (await ApiClient.JsonAsync(toRow)).GetProperty("handler").GetString());
        using var toBulk = await op.PutAsJsonAsync(
            $"/api/subscriptions/{id}/tables/{log.GetProperty("id").GetInt32()}/handler", new { handler = "bulk" }, Token);
        Assert.Contains("cannot use the handler bulk", await ApiClient.AssertProblemAsync(toBulk, HttpStatusCode.BadRequest),
            StringComparison.Ordinal);
        using var after = await op.GetAsync($"/api/subscriptions/{id}/tables", Token);
        var handlersNow = (await ApiClient.JsonAsync(after)).EnumerateArray()
            .ToDictionary(t => t.GetProperty("source").GetString()!, t => t.GetProperty("handler").GetString());
        Assert.Equal("row", handlersNow["\"digoal_01\".\"user_info\""]);
        Assert.Equal("append", handlersNow["\"digoal_01\".\"user_login_rec\""]);

        using var viewer = await ApiClient.AsAsync(fixture, "viewer");
        using var forbidden = await viewer.PutAsJsonAsync($"/api/subscriptions/{id}/tables/{tableId}/handler", new { handler = "bulk" }, Token);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }
}
