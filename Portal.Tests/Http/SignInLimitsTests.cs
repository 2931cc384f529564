using System.Net;
using System.Net.Http.Json;
using Ferry.Portal.Tests.Api;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Http;

/// <summary>A portal that allows 3 sign-in attempts per client address and minute (the default is 10).</summary>
public sealed class LowSignInLimitPortal : OwnPortal
{
    public const int Limit = 3;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Security:SignInPermitLimit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Security:SignInWindow"] = "00:10:00",
    };
}

/// <summary>
/// Sign-in attempts are limited per client address, at both doors: the token request answers 429 with problem details,
/// the login form comes back with a message. Each test connects from loopback addresses of its own (127.0.0.x).
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class SignInLimitsTests(LowSignInLimitPortal portal) : IClassFixture<LowSignInLimitPortal>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TokenRequests_BeyondTheLimit_Get429WithProblemDetails_ButOnlyForThatAddress()
    {
        using var attacker = portal.NewClient(from: "127.0.0.21");
        for (var i = 0; i < LowSignInLimitPortal.Limit; i++)
        {
            using var wrong = await attacker.PostAsJsonAsync("/api/auth/token", new { userName = "admin", password = "guess-" + i }, Token);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var limited = await attacker.PostAsJsonAsync(
            "/api/auth/token", new { userName = PortalFactory.AdminUser, password = PortalFactory.AdminPassword }, Token);

        var detail = await ApiClient.AssertProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.Contains("Too many sign-in attempts from your address", detail, StringComparison.Ordinal);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        using var elsewhere = portal.NewClient(from: "127.0.0.22");
        using var admin = await elsewhere.PostAsJsonAsync(
            "/api/auth/token", new { userName = PortalFactory.AdminUser, password = PortalFactory.AdminPassword }, Token);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
    }

    [Fact]
    public async Task LoginForm_BeyondTheLimit_ComesBackWithAMessage_AndChecksNoPassword()
    {
        using var attacker = portal.NewClient(from: "127.0.0.23");
        for (var i = 0; i < LowSignInLimitPortal.Limit; i++)
        {
            using var wrong = await attacker.PostLoginAsync("admin", "guess-" + i);
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        using var limited = await attacker.PostLoginAsync(PortalFactory.AdminUser, PortalFactory.AdminPassword, "/nodes");

        Assert.Equal(HttpStatusCode.SeeOther, limited.StatusCode);
        Assert.StartsWith("/account/login?throttled=", limited.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Contains("ReturnUrl=%2Fnodes", limited.Headers.Location.OriginalString, StringComparison.Ordinal);
        var page = await attacker.GetStringAsync(limited.Headers.Location, Token);
        Assert.Contains("Too many login attempts from your address: wait", page, StringComparison.Ordinal);
        using var dashboard = await attacker.GetAsync("/", Token);
        Assert.Equal(HttpStatusCode.Redirect, dashboard.StatusCode); // not signed in although the password was right
    }
}
