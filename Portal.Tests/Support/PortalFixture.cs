using Ferry.Engine.Control;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Portal.Tests.Support;

/// <summary>
/// One test cluster and one running portal for the whole <see cref="PortalCollection"/>, with a user of each role.
/// Tests that need a user of their own (lockout) create it with <see cref="CreateUserAsync"/>.
/// </summary>
public sealed class PortalFixture : IAsyncLifetime
{
    public const string Password = "Test-Passw0rd-123";

    private TestPostgres? _postgres;
    private PortalFactory? _portal;

    public TestPostgres Postgres => _postgres ?? throw new InvalidOperationException("Not initialized.");

    public PortalFactory Portal => _portal ?? throw new InvalidOperationException("Not initialized.");

    public async ValueTask InitializeAsync()
    {
        _postgres = await TestPostgres.StartAsync();
        _portal = new PortalFactory(_postgres.ConnectionStringFor("ferry_portal_tests"));
        _portal.StartServer();
        await CreateUserAsync("viewer", FerryRoles.Viewer);
        await CreateUserAsync("operator", FerryRoles.Operator);
    }

    public async Task CreateUserAsync(string userName, string role)
    {
        await using var scope = Portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = new IdentityUser(userName);
        var created = await users.CreateAsync(user, Password);
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
    }

    /// <summary>
    /// A client of the real server that keeps cookies and does not follow redirects, so tests see 302s and their targets.
    /// (The factory's own clients follow redirects once Kestrel serves, whatever their options say.)
    /// </summary>
    /// <param name="from">A loopback address (127.0.0.2, …) to connect from, so the portal sees another client address.</param>
    public HttpClient NewClient(string? from = null) => NewClient(Portal.BaseAddress, from);

    /// <inheritdoc cref="NewClient(string?)"/>
    public static HttpClient NewClient(Uri baseAddress, string? from = null)
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new System.Net.CookieContainer() };
        if (from is not null)
        {
            var local = new System.Net.IPEndPoint(System.Net.IPAddress.Parse(from), 0);
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                try
                {
                    socket.Bind(local);
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        return new HttpClient(handler) { BaseAddress = baseAddress };
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
    }
}

/// <summary>Tests that start the portal: one host at a time, never in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PortalCollection : ICollectionFixture<PortalFixture>
{
    public const string Name = "portal";
}
