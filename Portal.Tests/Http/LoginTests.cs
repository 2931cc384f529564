using System.Net;
using System.Net.Http.Json;
using Ferry.Engine.Control;
using Ferry.Portal.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Portal.Tests.Http;

[Collection(PortalCollection.Name)]
public sealed class LoginTests(PortalFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Login_RedirectsToTheDashboard_WhenThePasswordIsRight()
    {
        using var client = fixture.NewClient();

        using var response = await client.PostLoginAsync("viewer", PortalFixture.Password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.AbsolutePath);
        using var dashboard = await client.GetAsync("/", Token);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("Dashboard", await dashboard.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_IsRefused_WhenThePasswordIsWrong()
    {
        using var client = fixture.NewClient();

        using var response = await client.PostLoginAsync("viewer", "not-the-password");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Wrong user name or password.", await response.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        using var dashboard = await client.GetAsync("/", Token);
        Assert.Equal(HttpStatusCode.Redirect, dashboard.StatusCode);
    }

    [Fact]
    public async Task Login_LocksTheAccountOut_AfterFiveWrongPasswords()
    {
        await fixture.CreateUserAsync("lockout-victim", FerryRoles.Viewer);
        using var client = fixture.NewClient();
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await client.PostLoginAsync("lockout-victim", "wrong-password-" + i);
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        using var right = await client.PostLoginAsync("lockout-victim", PortalFixture.Password);

        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("locked", await right.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        using var dashboard = await client.GetAsync("/", Token);
        Assert.Equal(HttpStatusCode.Redirect, dashboard.StatusCode);
    }

    [Fact]
    public async Task Lockout_FromOneAddress_LeavesTheAccountOpenFromAnother_UntilAnAdminUnlocks()
    {
        await fixture.CreateUserAsync("lockout_pair", FerryRoles.Viewer);
        using var stranger = fixture.NewClient(from: "127.0.0.31");
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await stranger.PostLoginAsync("lockout_pair", "wrong-password-" + i);
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        using var strangerRight = await stranger.PostLoginAsync("lockout_pair", PortalFixture.Password);
        using var owner = fixture.NewClient(from: "127.0.0.32");
        using var ownerRight = await owner.PostLoginAsync("lockout_pair", PortalFixture.Password);

        Assert.Contains("locked for your address", await strangerRight.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, ownerRight.StatusCode);
        await UnlockAsync("lockout_pair");
        using var afterUnlock = await stranger.PostLoginAsync("lockout_pair", PortalFixture.Password);
        Assert.Equal(HttpStatusCode.Redirect, afterUnlock.StatusCode);
    }

    [Fact]
    public async Task Lockout_OfTheWholeAccount_FollowsFailuresFromSeveralAddresses()
    {
        await fixture.CreateUserAsync("lockout_many", FerryRoles.Viewer);
        // 4 addresses × 5 failures = 20 (Security:FailuresPerAccount), the most one address can add being 5.
        for (var address = 41; address <= 44; address++)
        {
            using var attacker = fixture.NewClient(from: $"127.0.0.{address}");
            for (var i = 0; i < 5; i++)
            {
                using var wrong = await attacker.PostAsJsonAsync("/api/auth/token", new { userName = "lockout_many", password = "wrong" }, Token);
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            }
        }

        using var owner = fixture.NewClient(from: "127.0.0.45");
        using var right = await owner.PostLoginAsync("lockout_many", PortalFixture.Password);

        Assert.Contains("This account is locked after repeated failed logins", await right.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        await using var scope = fixture.Portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        Assert.True(await users.IsLockedOutAsync((await users.FindByNameAsync("lockout_many"))!));
    }

    private async Task UnlockAsync(string userName)
    {
        await using var scope = fixture.Portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var admin = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Name, "admin"),
                new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Role, FerryRoles.Admin)], "test"));
        await scope.ServiceProvider.GetRequiredService<Ferry.Portal.Users.UserAdministration>()
            .UnlockAsync(admin, (await users.FindByNameAsync(userName))!.Id, Token);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    public async Task Login_IgnoresAReturnUrlToAnotherSite(string returnUrl)
    {
        using var client = fixture.NewClient();

        using var response = await client.PostLoginAsync("viewer", PortalFixture.Password, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(fixture.Portal.BaseAddress.Host, response.Headers.Location!.Host);
        Assert.Equal("/", response.Headers.Location.AbsolutePath);
    }

    [Fact]
    public async Task Login_ReturnsToTheAskedPage()
    {
        using var client = fixture.NewClient();

        using var response = await client.PostLoginAsync("viewer", PortalFixture.Password, "/audit");

        Assert.Equal("/audit", response.Headers.Location!.AbsolutePath);
    }

    [Fact]
    public async Task Health_ReportsTheControlDatabaseAndJobStorage()
    {
        using var client = fixture.NewClient();

        using var response = await client.GetAsync("/healthz", Token);
        var body = await response.Content.ReadAsStringAsync(Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"control-database\"", body, StringComparison.Ordinal);
        Assert.Contains("\"job-storage\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Health_GivesDescriptions_ToASignedInCallerOnly()
    {
        using var anonymous = fixture.NewClient();
        var open = await anonymous.GetStringAsync("/healthz", Token);
        Assert.Contains("\"nodes\"", open, StringComparison.Ordinal);
        Assert.DoesNotContain("\"description\"", open, StringComparison.Ordinal);
        Assert.DoesNotContain("probe", open, StringComparison.Ordinal);

        using var viewer = fixture.NewClient();
        await viewer.LoginAsync("viewer", PortalFixture.Password);
        var detailed = await viewer.GetStringAsync("/healthz", Token);
        Assert.Contains("\"description\"", detailed, StringComparison.Ordinal);
        Assert.Contains("their last probe.", detailed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_EndsTheSession()
    {
        using var client = fixture.NewClient();
        await client.LoginAsync("viewer", PortalFixture.Password);
        var dashboard = await client.GetStringAsync("/", Token);
        var token = System.Text.RegularExpressions.Regex.Match(dashboard, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"");
        Assert.True(token.Success, "The layout's logout form has no antiforgery token.");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["returnUrl"] = "",
        });

        using var response = await client.PostAsync("/account/logout", form, Token);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        using var after = await client.GetAsync("/", Token);
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
    }

    [Fact]
    public async Task Logs_NeverContainAPassword()
    {
        const string typo = "Typo-Secret-Passw0rd";
        using var client = fixture.NewClient();
        using (await client.PostLoginAsync("viewer", typo))
        {
        }
        await client.LoginAsync("viewer", PortalFixture.Password);

        var messages = fixture.Portal.Logs.Messages.ToList();

        Assert.Contains(messages, m => m.Contains("Failed login for viewer", StringComparison.Ordinal));
        foreach (var secret in new[] { typo, PortalFixture.Password, PortalFactory.AdminPassword })
        {
            Assert.DoesNotContain(messages, m => m.Contains(secret, StringComparison.Ordinal));
        }
        Assert.DoesNotContain(messages, m => m.Contains("Password=", StringComparison.OrdinalIgnoreCase));
    }
}
