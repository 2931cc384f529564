using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Portal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ferry.Portal.Tests.Nodes;

/// <summary>An Admin adds the seed scenario's three nodes in headless Chromium, tests and installs, and looks at every page.</summary>
[Collection(PortalCollection.Name)]
public sealed class NodesBrowserTests(PortalFixture fixture, NodeCluster cluster) : IClassFixture<NodeCluster>, IAsyncLifetime
{
    private const string SeedPassword = "Seed-Passw0rd";
    private static readonly string ScreenshotDirectory = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");
    private static readonly string[] NodeNames = ["seed_src", "seed_t1", "seed_t2"];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async ValueTask InitializeAsync()
    {
        await RemoveNodesAsync();
        var superuser = cluster.Cluster.ConnectionString();
        await SeedScenario.CreateSourceAsync(superuser, "seed_source", "digoal01", SeedPassword, users: 100);
        await SeedScenario.CreateTargetAsync(superuser, "seed_target1", "digoal02", SeedPassword, allTables: true);
        await SeedScenario.CreateTargetAsync(superuser, "seed_target2", "digoal03", SeedPassword, allTables: false);
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
    public async Task Admin_AddsTheSeedNodes_TestsAndInstalls_AndSeesAWrongPasswordRefusedInline()
    {
        var page = await NewPageAsync(1366, 860);
        await LogInAsync(page);
        await GoAsync(page, "/nodes");
        await Assertions.Expect(page.GetByTestId("empty-state")).ToContainTextAsync("Add the source database first");
        await Shot(page, "nodes-01-empty.png");

        await OpenAddDialogAsync(page);
        await FillAsync(page, "seed_src", "seed_source", "digoal01", "wrong-password");
        await page.GetByTestId("node-dialog-test").ClickAsync();
        await Assertions.Expect(page.GetByTestId("node-dialog-check")).ToContainTextAsync("refused the password for user 'digoal01'");
        await Shot(page, "nodes-02-wrong-password.png");
        await Field(page, "node-password").FillAsync(SeedPassword);
        await page.GetByTestId("node-dialog-test").ClickAsync();
        await Assertions.Expect(page.GetByTestId("node-dialog-check")).ToContainTextAsync("Ferry's schema is not installed yet");
        await page.GetByTestId("node-dialog-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("nodes")).ToContainTextAsync("seed_src");

        // Saved although the password is wrong: the dialog says so and stays open on the saved node to correct it.
        await OpenAddDialogAsync(page);
        await FillAsync(page, "seed_t1", "seed_target1", "digoal02", "wrong-password");
        await page.GetByTestId("node-dialog-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("node-dialog-saved-unreachable"))
            .ToContainTextAsync("Saved, but Ferry cannot reach it: PostgreSQL at 127.0.0.1");
        await Assertions.Expect(page.GetByTestId("node-dialog-save")).ToHaveTextAsync("Save");
        await Shot(page, "nodes-02b-saved-unreachable.png");
        await Field(page, "node-password").FillAsync(SeedPassword);
        await page.GetByTestId("node-dialog-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("node-dialog")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("nodes")).ToContainTextAsync("seed_t1");

        foreach (var (name, database, role) in new[] { ("seed_t2", "seed_target2", "digoal03") })
        {
            await OpenAddDialogAsync(page);
            await FillAsync(page, name, database, role, SeedPassword);
            await page.GetByTestId("node-dialog-save").ClickAsync();
            await Assertions.Expect(page.GetByTestId("nodes")).ToContainTextAsync(name);
        }
        await Assertions.Expect(page.Locator("[data-testid=nodes] tbody tr")).ToHaveCountAsync(3);

        // Another host with the password left empty: the stored one is not sent there, the form asks for it again.
        await page.GetByTestId("edit-seed_src").ClickAsync();
        await Field(page, "node-host").FillAsync("localhost");
        await page.GetByTestId("node-dialog-test").ClickAsync();
        await Assertions.Expect(page.GetByTestId("node-dialog")).ToContainTextAsync("Enter the password again: the host changed");
        await Assertions.Expect(page.GetByTestId("node-dialog-check")).ToHaveCountAsync(0);
        await Shot(page, "nodes-02c-password-again.png");
        await page.GetByTestId("node-dialog-close").ClickAsync();

        await page.GetByTestId("check-seed_src").ClickAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar").Last).ToContainTextAsync("Connected");
        await page.GetByTestId("install-seed_src").ClickAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar").Last).ToContainTextAsync("Ferry's schema is at version");
        await Shot(page, "nodes-03-three-nodes.png");

        await page.GetByTestId("delete-seed_t2").ClickAsync();
        await Assertions.Expect(page.GetByTestId("confirm-ok")).ToBeVisibleAsync();
        await Shot(page, "nodes-04-confirm-delete.png");
        await page.GetByTestId("confirm-cancel").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=nodes] tbody tr")).ToHaveCountAsync(3);

        await page.GetByTestId("theme-toggle").ClickAsync();
        await Shot(page, "nodes-05-dark.png");
        await GoAsync(page, "/audit");
        await Assertions.Expect(page.GetByTestId("audit")).ToContainTextAsync("seed_t2", new() { Timeout = 15_000 });
        await Shot(page, "audit-01.png");
        await GoAsync(page, "/schedules");
        await Shot(page, "schedules-01-empty.png");
        await GoAsync(page, "/api-token");
        await page.GetByTestId("token-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("token-value")).Not.ToBeEmptyAsync();
        await Shot(page, "api-token-01.png");

        var narrow = await NewPageAsync(390, 844);
        await LogInAsync(narrow);
        await GoAsync(narrow, "/nodes");
        await Assertions.Expect(narrow.GetByTestId("nodes")).ToContainTextAsync("seed_t2");
        await Shot(narrow, "nodes-06-narrow.png");
        await GoAsync(narrow, "/audit");
        await Shot(narrow, "audit-02-narrow.png");
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        await RemoveNodesAsync();
    }

    private async Task OpenAddDialogAsync(IPage page)
    {
        await page.GetByTestId("add-node").ClickAsync();
        await Assertions.Expect(page.GetByTestId("node-dialog-save")).ToBeVisibleAsync();
    }

    private async Task FillAsync(IPage page, string name, string database, string user, string password)
    {
        await Field(page, "node-name").FillAsync(name);
        await Field(page, "node-host").FillAsync("127.0.0.1");
        await Field(page, "node-port").FillAsync(cluster.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Field(page, "node-database").FillAsync(database);
        await Field(page, "node-user").FillAsync(user);
        await Field(page, "node-password").FillAsync(password);
    }

    private static ILocator Field(IPage page, string testId) =>
        page.Locator($"[data-testid={testId}] input, input[data-testid={testId}]").First;

    private async Task<IPage> NewPageAsync(int width, int height)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = ColorScheme.Light,
        });
        return await context.NewPageAsync();
    }

    private async Task LogInAsync(IPage page)
    {
        await page.GotoAsync(new Uri(fixture.Portal.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#username", PortalFactory.AdminUser);
        await page.FillAsync("#password", PortalFactory.AdminPassword);
        await page.ClickAsync("#login-submit");
        await Assertions.Expect(page.GetByTestId("page-title")).ToHaveTextAsync("Dashboard");
    }

    private async Task GoAsync(IPage page, string path)
    {
        await page.GotoAsync(new Uri(fixture.Portal.BaseAddress, path).ToString());
        await Assertions.Expect(page.Locator("#interactive")).ToHaveTextAsync("True");
    }

    private static Task Shot(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name), FullPage = true });

    private async Task RemoveNodesAsync()
    {
        await using var context = await fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>().CreateDbContextAsync();
        await context.Nodes.Where(n => NodeNames.Contains(n.Name)).ExecuteDeleteAsync();
    }
}
