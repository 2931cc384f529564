using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Api;

/// <summary>API clients that authenticate like a script does: a token from <c>POST /api/auth/token</c>.</summary>
public static class ApiClient
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A client without any credentials.</summary>
    public static HttpClient Anonymous(PortalFixture fixture) => fixture.NewClient();

    /// <summary>A client sending the bearer token of <paramref name="userName"/>.</summary>
    public static async Task<HttpClient> AsAsync(PortalFixture fixture, string userName)
    {
        var password = userName == PortalFactory.AdminUser ? PortalFactory.AdminPassword : PortalFixture.Password;
        var client = fixture.NewClient();
        using var response = await client.PostAsJsonAsync("/api/auth/token", new { userName, password }, Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Token);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("accessToken").GetString());
        return client;
    }

    /// <summary>Asserts an RFC 7807 answer with <paramref name="status"/> and returns its <c>detail</c>.</summary>
    public static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Token);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem.GetProperty("detail").GetString() ?? "";
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync(Token);
        Assert.True(status == response.StatusCode, $"Expected {status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
