using System.Net;
using Ferry.Engine.Control;
using Ferry.Portal.Tests.Support;

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
