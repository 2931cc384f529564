using Ferry.Portal.Tests.Support;
using Microsoft.Playwright;

namespace Ferry.Portal.Tests.Browser;

/// <summary>The real portal in headless Chromium (Debian's /usr/bin/chromium; no browser is downloaded).</summary>
[Collection(PortalCollection.Name)]
public sealed class PortalBrowserTests(PortalFixture fixture) : IAsyncLifetime
{
    private static readonly string ScreenshotDirectory = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    private IPlaywright? _playwright;
    private IBrowser? _browser;

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
    public async Task Admin_LogsIn_AndSeesTheDashboard()
    {
        var page = await NewPageAsync(1366, 800);

        await page.GotoAsync(fixture.Portal.BaseAddress.ToString());
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("01-login.png") });
        await page.FillAsync("#username", PortalFactory.AdminUser);
        await page.FillAsync("#password", PortalFactory.AdminPassword);
        await page.ClickAsync("#login-submit");

        await Assertions.Expect(page.GetByTestId("page-title")).ToHaveTextAsync("Dashboard");
        await WaitForCircuitAsync(page);
        await Assertions.Expect(page.GetByTestId("user-name")).ToHaveTextAsync(PortalFactory.AdminUser);
        await Assertions.Expect(page.GetByTestId("count-nodes")).ToContainTextAsync("0");
        await Assertions.Expect(page.GetByTestId("empty-state")).ToContainTextAsync("Nothing to replicate yet");
        await Assertions.Expect(page.GetByTestId("nav").GetByText("Jobs")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("02-dashboard.png"), FullPage = true });

        await page.GetByTestId("theme-toggle").ClickAsync();
        await Assertions.Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("data-theme", "dark");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("03-dashboard-dark.png"), FullPage = true });

        await page.GetByTestId("nav").GetByText("Users").ClickAsync();
        await Assertions.Expect(page.GetByTestId("users")).ToContainTextAsync(PortalFactory.AdminUser);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("04-users.png"), FullPage = true });
    }

    [Fact]
    public async Task Admin_AddsAnOperator_WhoThenLogsIn()
    {
        var admin = await NewPageAsync(1366, 800);
        await LogInAsync(admin, PortalFactory.AdminUser, PortalFactory.AdminPassword);
        await admin.GotoAsync(new Uri(fixture.Portal.BaseAddress, "/users").ToString());
        await WaitForCircuitAsync(admin);

        await admin.GetByLabel("User name").FillAsync("olga");
        await admin.GetByTestId("new-user-role").First.ClickAsync();
        await admin.Locator(".mud-popover-open .mud-list-item").Filter(new LocatorFilterOptions { HasText = "Operator" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("new-user-role").First).ToHaveTextAsync("Operator");
        await admin.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Add" }).ClickAsync();

        var shown = admin.GetByTestId("new-password");
        await Assertions.Expect(shown).ToContainTextAsync("olga");
        var password = await shown.Locator("code").InnerTextAsync();
        await Assertions.Expect(admin.GetByTestId("users")).ToContainTextAsync("olga");
        await admin.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("07-user-added.png"), FullPage = true });
        await admin.GetByTestId("nav").GetByText("Audit").ClickAsync();
        await Assertions.Expect(admin.Locator("tr").Filter(new LocatorFilterOptions { HasText = "olga" })).ToContainTextAsync("create");
        await admin.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("08-audit.png"), FullPage = true });

        var olga = await NewPageAsync(1366, 800);
        await LogInAsync(olga, "olga", password);
        await WaitForCircuitAsync(olga);
        await Assertions.Expect(olga.GetByTestId("user-role")).ToHaveTextAsync("Operator");
        await Assertions.Expect(olga.GetByTestId("nav").GetByText("Users")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Viewer_SeesTheDashboard_InANarrowWindow()
    {
        var page = await NewPageAsync(390, 800);

        await page.GotoAsync(new Uri(fixture.Portal.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#username", "viewer");
        await page.FillAsync("#password", PortalFixture.Password);
        await page.ClickAsync("#login-submit");

        await Assertions.Expect(page.GetByTestId("page-title")).ToHaveTextAsync("Dashboard");
        await WaitForCircuitAsync(page);
        await Assertions.Expect(page.GetByTestId("nav").GetByText("Jobs")).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("05-dashboard-narrow.png"), FullPage = true });

        await page.GetByTestId("menu-toggle").ClickAsync();
        await Assertions.Expect(page.GetByTestId("nav").GetByText("Audit")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("06-menu-narrow.png") });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }

    private async Task<IPage> NewPageAsync(int width, int height)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = ColorScheme.Light,
        });
        return await context.NewPageAsync();
    }

    private async Task LogInAsync(IPage page, string userName, string password)
    {
        await page.GotoAsync(new Uri(fixture.Portal.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#username", userName);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#login-submit");
        await Assertions.Expect(page.GetByTestId("page-title")).ToHaveTextAsync("Dashboard");
    }

    /// <summary>The page is prerendered; clicks before the circuit is up would be lost.</summary>
    private static Task WaitForCircuitAsync(IPage page) =>
        Assertions.Expect(page.Locator("#interactive")).ToHaveTextAsync("True");

    private static string Screenshot(string name) => Path.Combine(ScreenshotDirectory, name);
}
