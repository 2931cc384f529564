using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Http;

/// <summary>
/// A portal of its own whose control cluster is stopped once the portal has started and an Admin holds a token: what
/// anonymous callers and API clients see while the control database is down.
/// </summary>
public sealed class ControlDatabaseDown : IAsyncLifetime
{
    private TestPostgres? _postgres;
    private PortalFactory? _portal;

    // Hangfire logs through a process-wide provider that each portal host replaces with its own: the collection's
    // portal must get its own back when this one (and its logger factory) is gone.
    // Hangfire has no getter for it: read its one static field of that type.
    private static readonly System.Reflection.FieldInfo CurrentLogProvider = typeof(Hangfire.Logging.LogProvider)
        .GetFields(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)
        .Single(f => f.FieldType == typeof(Hangfire.Logging.ILogProvider));

    private Hangfire.Logging.ILogProvider? _previousLogProvider;

    public PortalFactory Portal => _portal ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>The Admin's bearer token, taken while the database was up.</summary>
    public string AdminToken { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        _previousLogProvider = (Hangfire.Logging.ILogProvider?)CurrentLogProvider.GetValue(null);
        _postgres = await TestPostgres.StartAsync();
        _portal = new PortalFactory(_postgres.ConnectionStringFor("ferry_portal_down"));
        _portal.StartServer();
        using var client = NewClient();
        using var response = await client.PostAsJsonAsync(
            "/api/auth/token", new { userName = PortalFactory.AdminUser, password = PortalFactory.AdminPassword });
        response.EnsureSuccessStatusCode();
        AdminToken = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        await _postgres.Cluster.StopAsync();
    }

    public HttpClient NewClient() => new() { BaseAddress = Portal.BaseAddress };

    public HttpClient NewAdminClient()
    {
        var client = NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(_previousLogProvider);
    }
}
