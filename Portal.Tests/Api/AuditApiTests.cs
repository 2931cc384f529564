using System.Net;
using System.Net.Http.Json;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Api;

[Collection(PortalCollection.Name)]
public sealed class AuditApiTests(PortalFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Viewer_ReadsTheAuditTrail_FilteredByUserActionEntityAndTime_NewestFirst()
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        // Not earlier: nodes the tests before this one created must fall outside the window.
        var from = DateTimeOffset.UtcNow.AddMilliseconds(-1);
        foreach (var name in new[] { "audit_api_a", "audit_api_b" })
        {
            using var created = await admin.PostAsJsonAsync("/api/nodes", new { name, host = "127.0.0.1", database = "x", userName = "x" }, Token);
            using var deleted = await admin.DeleteAsync(created.Headers.Location, Token);
        }
        using var viewer = await ApiClient.AsAsync(fixture, "viewer");

        using var response = await viewer.GetAsync(
            $"/api/audit?user=ADMIN&action=create&entity=node&from={Uri.EscapeDataString(from.ToString("O"))}&take=1", Token);

        var page = await ApiClient.JsonAsync(response);
        Assert.Equal(2, page.GetProperty("total").GetInt32());
        var entry = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Contains("audit_api_b", entry.GetProperty("after").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKindNull, entry.GetProperty("before").ValueKind);

        using var later = await viewer.GetAsync($"/api/audit?to={Uri.EscapeDataString(from.AddDays(-1).ToString("O"))}&entity=node&action=create&user=admin", Token);
        Assert.Equal(0, (await ApiClient.JsonAsync(later)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Audit_IsRefused_ForABadPage_AndHasNoWriteVerb()
    {
        using var viewer = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);

        using var bad = await viewer.GetAsync("/api/audit?take=100000", Token);
        using var delete = await viewer.DeleteAsync("/api/audit", Token);
        using var post = await viewer.PostAsJsonAsync("/api/audit", new { }, Token);

        Assert.Contains("take 100000 is out of range: take 1 to 500 rows", await ApiClient.AssertProblemAsync(bad, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        // No API endpoint takes these verbs (what answers is the portal's fallback, never a 2xx).
        Assert.False(delete.IsSuccessStatusCode);
        Assert.False(post.IsSuccessStatusCode);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
