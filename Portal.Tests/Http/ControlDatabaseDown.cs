using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Http;

/// <summary>
/// A portal of its own whose control cluster is stopped once the portal has started and an Admin holds a token: what
/// anonymous callers and API clients see while the control database is down.
/// </summary>
public sealed class ControlDatabaseDown : OwnPortal
{
    /// <summary>The Admin's bearer token, taken while the database was up.</summary>
    public string AdminToken { get; private set; } = "";

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        using var client = NewClient();
        using var response = await client.PostAsJsonAsync(
            "/api/auth/token", new { userName = PortalFactory.AdminUser, password = PortalFactory.AdminPassword });
        response.EnsureSuccessStatusCode();
        AdminToken = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        await Postgres.Cluster.StopAsync();
    }

    public HttpClient NewAdminClient()
    {
        var client = NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return client;
    }
}
