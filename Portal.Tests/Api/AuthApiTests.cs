using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Ferry.Engine.Control;
using Ferry.Portal.Api;
using Ferry.Portal.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Portal.Tests.Api;

[Collection(PortalCollection.Name)]
public sealed class AuthApiTests(PortalFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Token_IsIssued_ForTheRightPassword_AndOpensTheApi()
    {
        using var client = fixture.NewClient();

        using var response = await client.PostAsJsonAsync(
            "/api/auth/token", new { userName = "viewer", password = PortalFixture.Password }, Token);

        var body = await ApiClient.JsonAsync(response);
        Assert.Equal("Bearer", body.GetProperty("tokenType").GetString());
        Assert.True(body.GetProperty("expiresIn").GetInt32() > 0);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("accessToken").GetString());
        using var nodes = await client.GetAsync("/api/nodes", Token);
        Assert.Equal(HttpStatusCode.OK, nodes.StatusCode);
    }

    [Fact]
    public async Task Token_IsRefused_WithProblemDetails_ForAWrongPassword()
    {
        using var client = fixture.NewClient();

        using var response = await client.PostAsJsonAsync("/api/auth/token", new { userName = "viewer", password = "wrong" }, Token);

        Assert.Contains("Wrong user name or password", await ApiClient.AssertProblemAsync(response, HttpStatusCode.Unauthorized), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_IsRefused_AfterLockout_EvenWithTheRightPassword()
    {
        await fixture.CreateUserAsync("api-lockout", FerryRoles.Viewer);
        using var client = fixture.NewClient();
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await client.PostAsJsonAsync("/api/auth/token", new { userName = "api-lockout", password = "wrong" }, Token);
        }

        using var response = await client.PostAsJsonAsync(
            "/api/auth/token", new { userName = "api-lockout", password = PortalFixture.Password }, Token);

        Assert.Contains("locked", await ApiClient.AssertProblemAsync(response, HttpStatusCode.Unauthorized), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/nodes")]
    [InlineData("/api/audit")]
    [InlineData("/api/schedules")]
    public async Task Api_AnswersUnauthorized_WithoutAToken(string path)
    {
        using var client = fixture.NewClient();

        using var response = await client.GetAsync(path, Token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Api_AnswersUnauthorized_ForAForgedToken()
    {
        using var client = fixture.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");

        using var response = await client.GetAsync("/api/nodes", Token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task PortalToken_CarriesTheUsersRole()
    {
        await using var scope = fixture.Portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var principal = await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<IdentityUser>>()
            .CreateAsync((await users.FindByNameAsync("operator"))!);
        var token = await fixture.Portal.Services.GetRequiredService<ApiTokenIssuer>().IssueAsync(principal, TimeSpan.FromHours(1), Token);
        using var client = fixture.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);

        using var list = await client.GetAsync("/api/schedules", Token);
        using var create = await client.PostAsJsonAsync("/api/nodes", new { name = "x", host = "h", database = "d", userName = "u" }, Token);

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains("'operator' may not do this", await ApiClient.AssertProblemAsync(create, HttpStatusCode.Forbidden), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_StopsWorking_WhenTheUsersSecurityStampChanges()
    {
        await fixture.CreateUserAsync("api-revoked", FerryRoles.Operator);
        using var client = await ApiClient.AsAsync(fixture, "api-revoked");
        using (var before = await client.GetAsync("/api/nodes", Token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }
        await using (var scope = fixture.Portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            await users.UpdateSecurityStampAsync((await users.FindByNameAsync("api-revoked"))!);
        }

        using var after = await client.GetAsync("/api/nodes", Token);

        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheResources_AndTheBearerScheme()
    {
        using var client = fixture.NewClient();

        var document = await client.GetStringAsync("/openapi/v1.json", Token);

        foreach (var path in new[] { "/api/auth/token", "/api/nodes", "/api/nodes/{id}", "/api/nodes/{id}/check", "/api/nodes/{id}/install", "/api/audit", "/api/schedules" })
        {
            Assert.Contains($"\"{path}\"", document, StringComparison.Ordinal);
        }
        Assert.Contains("\"bearer\"", document, StringComparison.Ordinal);
    }
}
