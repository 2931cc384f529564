using System.Net;
using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Portal.Tests.Api;
using Ferry.Portal.Tests.Support;
using Ferry.Portal.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Portal.Tests.Http;

/// <summary>A demoted or deleted user loses access within seconds: tokens at once, login cookies at the next check.</summary>
[Collection(PortalCollection.Name)]
public sealed class AccessRevocationTests(PortalFixture fixture)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static ClaimsPrincipal Admin => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, FerryRoles.Admin)], "test"));

    [Fact]
    public async Task DemotedOperator_LosesOperatorRights_OnTheApiAtOnce_AndOnTheLoginCookieWithinSeconds()
    {
        await fixture.CreateUserAsync("demoted_http", FerryRoles.Operator);
        using var api = await ApiClient.AsAsync(fixture, "demoted_http");
        using var browser = fixture.NewClient();
        await browser.LoginAsync("demoted_http", PortalFixture.Password);
        using (var before = await api.PostAsync("/api/nodes/probe", null, Token))
        {
            Assert.Equal(HttpStatusCode.Accepted, before.StatusCode);
        }

        await SetRoleAsync("demoted_http", FerryRoles.Viewer);

        using (var after = await api.PostAsync("/api/nodes/probe", null, Token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        }
        await Eventually.TrueAsync(() => IsSentToLoginAsync(browser, "/nodes"), Within, "the demoted user's cookie sent to the login page");
    }

    [Fact]
    public async Task DeletedUser_LosesTheLoginCookie_WithinSeconds()
    {
        await fixture.CreateUserAsync("deleted_http", FerryRoles.Viewer);
        using var browser = fixture.NewClient();
        await browser.LoginAsync("deleted_http", PortalFixture.Password);
        Assert.False(await IsSentToLoginAsync(browser, "/nodes"));

        await using (var scope = fixture.Portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            var user = (await users.FindByNameAsync("deleted_http"))!;
            await scope.ServiceProvider.GetRequiredService<UserAdministration>().DeleteAsync(Admin, user.Id, Token);
        }

        await Eventually.TrueAsync(() => IsSentToLoginAsync(browser, "/nodes"), Within, "the deleted user's cookie sent to the login page");
    }

    private async Task SetRoleAsync(string userName, string role)
    {
        await using var scope = fixture.Portal.Services.CreateAsyncScope();
        var user = (await scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().FindByNameAsync(userName))!;
        await scope.ServiceProvider.GetRequiredService<UserAdministration>().SetRoleAsync(Admin, user.Id, role, Token);
    }

    private static async Task<bool> IsSentToLoginAsync(HttpClient browser, string path)
    {
        using var response = await browser.GetAsync(path, Token);
        return response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.AbsolutePath == "/account/login";
    }
}
