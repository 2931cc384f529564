using System.Net;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Http;

[Collection(PortalCollection.Name)]
public sealed class ControlDatabaseDownTests(ControlDatabaseDown down) : IClassFixture<ControlDatabaseDown>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_SaysUnhealthy_WithoutTheReason_WhichGoesToTheLog()
    {
        using var client = down.NewClient();

        using var response = await client.GetAsync("/healthz", Token);
        var body = await response.Content.ReadAsStringAsync(Token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("\"control-database\"", body, StringComparison.Ordinal);
        Assert.Contains("Unhealthy", body, StringComparison.Ordinal);
        foreach (var detail in new[] { "127.0.0.1", "Failed to connect", "refused", "Exception", "does not answer" })
        {
            Assert.DoesNotContain(detail, body, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Contains(down.Portal.Logs.Messages,
            m => m.Contains("control-database", StringComparison.Ordinal) && m.Contains("Failed to connect", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("GET", "/api/nodes")]
    [InlineData("GET", "/api/audit")]
    [InlineData("POST", "/api/auth/token")]
    public async Task Api_Answers503WithProblemDetails_WhileTheControlDatabaseIsDown(string method, string path)
    {
        using var client = down.NewAdminClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = System.Net.Http.Json.JsonContent.Create(new { userName = PortalFactory.AdminUser, password = PortalFactory.AdminPassword });
        }

        using var response = await client.SendAsync(request, Token);

        var detail = await Api.ApiClient.AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("did not answer", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", detail, StringComparison.Ordinal);
        Assert.NotNull(response.Headers.RetryAfter);
    }
}
