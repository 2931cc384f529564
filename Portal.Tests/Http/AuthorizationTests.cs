using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Portal.Jobs;
using Ferry.Portal.Tests.Api;
using Ferry.Portal.Tests.Support;
using Ferry.Portal.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Portal.Tests.Http;

[Collection(PortalCollection.Name)]
public sealed class AuthorizationTests(PortalFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/")]
    [InlineData("/users")]
    [InlineData("/jobs")]
    public async Task Anonymous_IsSentToLogin_WhenOpeningAPage(string path)
    {
        using var client = fixture.NewClient();

        using var response = await client.GetAsync(path, Token);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/login", response.Headers.Location!.AbsolutePath);
        Assert.Contains("ReturnUrl=" + Uri.EscapeDataString(path), response.Headers.Location.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anonymous_GetsUnauthorized_FromTheApi()
    {
        using var client = fixture.NewClient();

        using var response = await client.PostAsync("/api/nodes/probe", null, Token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Viewer_GetsForbidden_FromAnOperatorAction()
    {
        using var client = await ApiClient.AsAsync(fixture, "viewer");

        using var response = await client.PostAsync("/api/nodes/probe", null, Token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Operator_IsAccepted_ForAnOperatorAction()
    {
        using var client = await ApiClient.AsAsync(fixture, "operator");

        using var response = await client.PostAsync("/api/nodes/probe", null, Token);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/nodes")]
    [InlineData("POST", "/api/nodes/probe")]
    [InlineData("POST", "/api/subscriptions/1/pause")]
    [InlineData("POST", "/api/subscriptions/1/tables/1/resync")]
    public async Task PortalCookie_IsNotAcceptedByTheApi(string method, string path)
    {
        // What a page on another site can make a logged-in browser send: the cookie, no Authorization header.
        using var client = fixture.NewClient();
        await client.LoginAsync("operator", PortalFixture.Password);

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var page = await client.GetAsync("/nodes", Token);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_StaysOpen_AndTheTokenRequestAnonymous()
    {
        using var client = fixture.NewClient();

        using var document = await client.GetAsync("/openapi/v1.json", Token);
        using var token = await client.PostAsJsonAsync("/api/auth/token", new { userName = "viewer", password = PortalFixture.Password }, Token);

        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("operator")]
    public async Task NonAdmin_GetsForbidden_FromTheJobDashboard(string userName)
    {
        using var client = fixture.NewClient();
        await client.LoginAsync(userName, PortalFixture.Password);

        using var response = await client.GetAsync("/jobs", Token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Admin_SeesTheJobDashboard()
    {
        using var client = fixture.NewClient();
        await client.LoginAsync(PortalFactory.AdminUser, PortalFactory.AdminPassword);

        using var response = await client.GetAsync("/jobs", Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Ferry jobs", await response.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Viewer_IsSentToAccessDenied_FromTheUsersPage()
    {
        using var client = fixture.NewClient();
        await client.LoginAsync("viewer", PortalFixture.Password);

        using var response = await client.GetAsync("/users", Token);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/access-denied", response.Headers.Location!.AbsolutePath);
    }

    [Fact]
    public async Task Services_RefuseACallerWithoutTheRole_EvenWithoutThePage()
    {
        await using var scope = fixture.Portal.Services.CreateAsyncScope();
        var viewer = Principal("viewer", FerryRoles.Viewer);
        var operatorUser = Principal("operator", FerryRoles.Operator);

        await Assert.ThrowsAsync<AccessDeniedException>(
            () => scope.ServiceProvider.GetRequiredService<JobRequests>().ProbeNodesNowAsync(viewer, Token));
        await Assert.ThrowsAsync<AccessDeniedException>(
            () => scope.ServiceProvider.GetRequiredService<UserAdministration>().ListAsync(operatorUser, Token));
    }

    private static ClaimsPrincipal Principal(string name, string role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], "test"));
}
