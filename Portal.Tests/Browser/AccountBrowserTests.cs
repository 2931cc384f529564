using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Portal.Tests.Support;
using Ferry.Portal.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ferry.Portal.Tests.Browser;

/// <summary>Accounts in headless Chromium: a demoted user's open circuit, the forced change of a generated password.</summary>
[Collection(PortalCollection.Name)]
public sealed class AccountBrowserTests(PortalFixture fixture) : IAsyncLifetime
{
    private static readonly string ScreenshotDirectory = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    private static ClaimsPrincipal Admin => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, FerryRoles.Admin)], "test"));

    public async ValueTask InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    [Fact]
    public async Task DemotedOperator_LosesTheOpenCircuit_WithinSeconds()
    {
        await fixture.CreateUserAsync("demoted_circuit", FerryRoles.Operator);
        var page = await NewPageAsync();
        await LogInAsync(page, "demoted_circuit", PortalFixture.Password);
        await page.GotoAsync(Url("/sets"));
        await Assertions.Expect(page.Locator("#interactive")).ToHaveTextAsync("True");
        await Assertions.Expect(page.GetByTestId("user-role")).ToHaveTextAsync(FerryRoles.Operator);

        await using (var scope = fixture.Portal.Services.CreateAsyncScope())
        {
            var user = (await scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().FindByNameAsync("demoted_circuit"))!;
            await scope.ServiceProvider.GetRequiredService<UserAdministration>()
                .SetRoleAsync(Admin, user.Id, FerryRoles.Viewer, TestContext.Current.CancellationToken);
        }

        // No reload, no click: the circuit itself notices and leaves for the login page.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"), new() { Timeout = 20_000 });
    }

    [Fact]
    public async Task GeneratedPassword_IsReplacedOnTheChangePage_AtTheFirstLogin()
    {
        await fixture.CreateUserAsync("must_change", FerryRoles.Viewer);
        await using (var scope = fixture.Portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            await users.AddClaimAsync((await users.FindByNameAsync("must_change"))!, Ferry.Portal.Security.PasswordChange.Claim);
        }
        var page = await NewPageAsync();
        await page.GotoAsync(Url("/account/login?ReturnUrl=%2Fnodes"));
        await Shot(page, "account-00-login.png");
        await page.FillAsync("#username", "must_change");
        await page.FillAsync("#password", PortalFixture.Password);
        await page.ClickAsync("#login-submit");

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/change-password"));
        await Assertions.Expect(page.GetByTestId("password-generated")).ToContainTextAsync("must_change");
        await Shot(page, "account-01-change-password.png");
        await page.FillAsync("#current-password", PortalFixture.Password);
        await page.FillAsync("#new-password", "short");
        await page.FillAsync("#confirm-password", "shorter");
        await page.ClickAsync("#change-submit");
        await Assertions.Expect(page.Locator(".validation-message").First).ToContainTextAsync("Use 10 to 200 characters.");
        await Shot(page, "account-02-change-password-refused.png");

        await page.FillAsync("#current-password", PortalFixture.Password);
        await page.FillAsync("#new-password", "Replaced-Passw0rd-1");
        await page.FillAsync("#confirm-password", "Replaced-Passw0rd-1");
        await page.ClickAsync("#change-submit");

        await Assertions.Expect(page.GetByTestId("page-title")).ToHaveTextAsync("Nodes");
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }

    private static Task Shot(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name), FullPage = true });

    private string Url(string path) => new Uri(fixture.Portal.BaseAddress, path).ToString();

    private async Task<IPage> NewPageAsync()
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            ColorScheme = ColorScheme.Light,
        });
        return await context.NewPageAsync();
    }

    private async Task LogInAsync(IPage page, string userName, string password)
    {
        await page.GotoAsync(Url("/account/login"));
        await page.FillAsync("#username", userName);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#login-submit");
        await Assertions.Expect(page.GetByTestId("page-title")).ToHaveTextAsync("Dashboard");
    }
}
