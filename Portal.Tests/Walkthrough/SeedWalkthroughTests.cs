using System.Security.Claims;
using System.Text.RegularExpressions;
using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Nodes;
using Ferry.Portal.Tests.Support;
using Hangfire;
using Hangfire.AspNetCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Npgsql;

namespace Ferry.Portal.Tests.Walkthrough;

/// <summary>
/// The seed scenario as an Operator walks it in headless Chromium: three nodes (added through the service), a set on the
/// source, two subscriptions, the tables (picked in the source's catalog for target 1; the two keyless log tables refused with
/// the engine's message), a filter and the renamed schema <c>digoal_02</c> for target 2 (typed), the copies reaching ok while a
/// workload writes, lag on the dashboard.
/// Screenshots of each page go to <c>TestResults/walkthrough</c> beside the test assembly.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class SeedWalkthroughTests(PortalFixture fixture) : IAsyncLifetime
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "walkthrough");
    private static readonly ClaimsPrincipal Admin = new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, FerryRoles.Admin)], "test"));

    private WalkthroughPortal? _portal;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Screenshots);
        _portal = new WalkthroughPortal(fixture.Postgres.ConnectionStringFor("ferry_walkthrough"));
        _portal.StartServer();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        });
    }

    [Fact]
    public async Task Operator_ReplicatesTheSeedScenario_FromTheBrowser()
    {
        var superuser = fixture.Postgres.Cluster.ConnectionString();
        var sourceCs = await SeedScenario.CreateSourceAsync(superuser, "walk_src", "digoal_01", "pw1", 2000, TestContext.Current.CancellationToken);
        var target1Cs = await SeedScenario.CreateTargetAsync(superuser, "walk_t1", "digoal_01", "pw1", allTables: true, TestContext.Current.CancellationToken);
        var target2Cs = await SeedScenario.CreateTargetAsync(superuser, "walk_t2", "digoal_02", "pw2", allTables: false, TestContext.Current.CancellationToken);
        await AddNodeAsync("source", sourceCs);
        await AddNodeAsync("target1", target1Cs);
        await AddNodeAsync("target2", target2Cs);
        await CreateUserAsync("walker", FerryRoles.Operator);

        var page = await NewPageAsync();
        await page.GotoAsync(Url("/account/login"));
        await page.FillAsync("#username", "walker");
        await page.FillAsync("#password", PortalFixture.Password);
        await page.ClickAsync("#login-submit");
        await Assertions.Expect(page.GetByTestId("page-title")).ToHaveTextAsync("Dashboard");

        // The set and its two subscriptions.
        await OpenAsync(page, "/sets");
        await page.GetByLabel("New set name").FillAsync("seed");
        await PickAsync(page, "set-root", "source");
        await page.GetByTestId("create-set").ClickAsync();
        var set = page.GetByTestId("set-seed");
        await Assertions.Expect(set).ToBeVisibleAsync();
        foreach (var target in new[] { "target1", "target2" })
        {
            await PickAsync(page, "subscribe-target", target);
            await set.GetByTestId("subscribe").ClickAsync();
            await Assertions.Expect(set.GetByTestId($"subscription-{target}")).ToBeVisibleAsync();
        }
        await Shot(page, "01-sets.png");

        // Target 1: all four tables picked in the source's catalog, under their own names; the two log tables, flagged
        // "no key" in the picker, are refused with the engine's message.
        await set.GetByTestId("subscription-target1").GetByTestId("tables-link").ClickAsync();
        await WaitForCircuitAsync(page);
        var picker = page.GetByTestId("table-picker");
        await Assertions.Expect(picker.GetByTestId("catalog-table")).ToHaveCountAsync(4);
        foreach (var table in SeedScenario.KeyedTables.Concat(SeedScenario.KeylessTables))
        {
            var row = PickerRow(picker, table);
            await Assertions.Expect(row.GetByTestId("key-chip"))
                .ToHaveAttributeAsync("data-key", SeedScenario.KeylessTables.Contains(table) ? "none" : "primary");
            await row.Locator(".mud-checkbox").ClickAsync();
            await Assertions.Expect(row).ToHaveAttributeAsync("aria-selected", "true");
        }
        await Assertions.Expect(page.GetByTestId("picked-count")).ToHaveTextAsync("4 picked");
        await Assertions.Expect(page.GetByTestId("picked-note")).ToHaveCountAsync(2);
        await Shot(page, "02-tables-target1-picker.png");
        await page.GetByTestId("add-submit").ClickAsync();
        var refusals = page.GetByTestId("refusal");
        await Assertions.Expect(refusals).ToHaveCountAsync(2);
        foreach (var keyless in SeedScenario.KeylessTables)
        {
            await Assertions.Expect(refusals.Filter(new() { HasText = $"digoal_01.{keyless}" })).ToContainTextAsync("has no primary key");
        }
        await Assertions.Expect(page.GetByTestId("tables-grid").GetByTestId("state-badge")).ToHaveCountAsync(2);
        // The added tables cannot be picked again; the refused ones stay picked to fix and retry.
        foreach (var keyed in SeedScenario.KeyedTables)
        {
            await Assertions.Expect(PickerRow(picker, keyed).GetByTestId("already-added")).ToContainTextAsync("already added");
            await Assertions.Expect(PickerRow(picker, keyed).Locator("input[type=checkbox]")).ToBeDisabledAsync();
        }
        await Assertions.Expect(page.GetByTestId("picked-count")).ToHaveTextAsync("2 picked");
        await Assertions.Expect(page.GetByTestId("picked-note")).ToHaveCountAsync(0); // the refusals say it now
        await Shot(page, "02-tables-target1-refusals.png");
        await page.SetViewportSizeAsync(390, 844);
        await Shot(page, "02-tables-target1-picker-narrow.png");
        await page.SetViewportSizeAsync(1366, 850);

        // Target 2: the user tables, filtered, into schema digoal_02; a workload writes meanwhile.
        await using var source = NpgsqlDataSource.Create(sourceCs);
        using var stop = new CancellationTokenSource();
        var workload = WorkloadAsync(source, stop.Token);
        try
        {
            await OpenAsync(page, "/sets");
            await page.GetByTestId("set-seed").GetByTestId("subscription-target2").GetByTestId("tables-link").ClickAsync();
            await WaitForCircuitAsync(page);
            await page.GetByLabel("Source tables").FillAsync(string.Join('\n', SeedScenario.KeyedTables.Select(t => $"digoal_01.{t}")));
            await page.GetByLabel("Target (optional)").First.FillAsync("digoal_02");
            await page.GetByLabel("Row filter (optional)").FillAsync("userid <= 1500");
            await page.GetByTestId("add-submit").ClickAsync();
            var grid = page.GetByTestId("tables-grid");
            await Assertions.Expect(page.GetByTestId("subscription-summary")).ToContainTextAsync("seed → target2");
            await Assertions.Expect(grid).ToContainTextAsync("digoal_02");
            await Assertions.Expect(grid).ToContainTextAsync("userid <= 1500");
            await Assertions.Expect(grid.Locator("[data-testid=state-badge][data-state=Ok]"))
                .ToHaveCountAsync(2, new() { Timeout = 120_000 });
            await Shot(page, "03-tables-target2-ok.png");

            // Resync one table (confirmed): it copies again and comes back to ok while the workload goes on.
            var userInfo = grid.Locator("tr").Filter(new() { HasText = "user_info" });
            await userInfo.GetByTestId("resync").ClickAsync();
            await Assertions.Expect(page.GetByTestId("confirm-dialog")).ToContainTextAsync("Copy");
            await page.GetByTestId("confirm-ok").ClickAsync();
            await Assertions.Expect(page.GetByText("Resync of")).ToBeVisibleAsync();
            await Assertions.Expect(grid.Locator("[data-testid=state-badge][data-state=Ok]"))
                .ToHaveCountAsync(2, new() { Timeout = 120_000 });

            await page.GetByTestId("subscription-picker").First.ClickAsync();
            await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = "target1" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("subscription-summary")).ToContainTextAsync("seed → target1");
            await Assertions.Expect(page.GetByTestId("tables-grid").Locator("[data-testid=state-badge][data-state=Ok]"))
                .ToHaveCountAsync(2, new() { Timeout = 120_000 });
            await Assertions.Expect(page.GetByLabel("Target (optional)").First).ToHaveValueAsync("");
            await page.GetByLabel("Source sequence").FillAsync("digoal_01.seq_login_id");
            await page.GetByTestId("sequence-add").ClickAsync();
            await Assertions.Expect(page.GetByTestId("sequences").Locator("tbody")).ToContainTextAsync("seq_login_id");
            await page.GetByLabel("Source sequence").FillAsync("digoal_01.no_such_sequence");
            await page.GetByTestId("sequence-add").ClickAsync();
            await Assertions.Expect(page.GetByTestId("sequence-refusal")).ToContainTextAsync("no sequence");
            await Shot(page, "04-tables-target1-ok.png");

            // The dashboard: both subscriptions active, with a lag in seconds and a last tick.
            await OpenAsync(page, "/");
            foreach (var target in new[] { "target1", "target2" })
            {
                var card = page.GetByTestId($"status-{target}");
                await Assertions.Expect(card).ToHaveAttributeAsync("data-state", "Active");
                await Assertions.Expect(card.GetByTestId("lag-seconds")).ToHaveTextAsync(new Regex(@"^\d+\.\d s$"), new() { Timeout = 30_000 });
                await Assertions.Expect(card.GetByTestId("last-tick")).ToContainTextAsync("#", new() { Timeout = 30_000 });
                // The workload's events applied, drawn once the chart has measured its card.
                await Assertions.Expect(card.Locator("[data-testid=throughput-chart] path.mud-chart-serie"))
                    .Not.ToHaveCountAsync(0, new() { Timeout = 30_000 });
            }
            await Assertions.Expect(page.GetByTestId("status-error")).ToHaveCountAsync(0);
            await Shot(page, "05-dashboard-lag.png");

            // A Viewer sees the same pages without any control that changes replication.
            await CreateUserAsync("watcher", FerryRoles.Viewer);
            var viewer = await NewPageAsync();
            await viewer.GotoAsync(Url("/account/login"));
            await viewer.FillAsync("#username", "watcher");
            await viewer.FillAsync("#password", PortalFixture.Password);
            await viewer.ClickAsync("#login-submit");
            await Assertions.Expect(viewer.GetByTestId("page-title")).ToHaveTextAsync("Dashboard");
            await OpenAsync(viewer, "/sets");
            await Assertions.Expect(viewer.GetByTestId("subscription-target2")).ToBeVisibleAsync();
            await Assertions.Expect(viewer.GetByTestId("create-set-form")).ToHaveCountAsync(0);
            await Assertions.Expect(viewer.GetByTestId("pause")).ToHaveCountAsync(0);
            await Assertions.Expect(viewer.GetByTestId("drop-set")).ToHaveCountAsync(0);
            await OpenAsync(viewer, "/tables");
            await Assertions.Expect(viewer.GetByTestId("subscription-picker").First).ToContainTextAsync("seed → target1");
            await Assertions.Expect(viewer.GetByTestId("tables-grid").GetByTestId("state-badge")).ToHaveCountAsync(2);
            await Assertions.Expect(viewer.GetByTestId("add-table-form")).ToHaveCountAsync(0);
            await Assertions.Expect(viewer.GetByTestId("resync")).ToHaveCountAsync(0);
            await Assertions.Expect(viewer.GetByTestId("sequence-add")).ToHaveCountAsync(0);
            await Shot(viewer, "06-tables-viewer.png");

            // The same Viewer in a narrow window.
            await viewer.SetViewportSizeAsync(390, 844);
            await OpenAsync(viewer, "/");
            await Assertions.Expect(viewer.GetByTestId("status-target2")).ToBeVisibleAsync();
            await Shot(viewer, "07-dashboard-viewer-narrow.png");
            await OpenAsync(viewer, "/sets");
            await Shot(viewer, "08-sets-viewer-narrow.png");
        }
        finally
        {
            await stop.CancelAsync();
            Assert.True(await workload > 0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
            // Hangfire keeps its log provider in a static: this portal set it to its own logger factory, now disposed.
            // Hand it back to the collection's portal, or its next job client would fail (ObjectDisposedException).
            GlobalConfiguration.Configuration.UseLogProvider(
                new AspNetCoreLogProvider(fixture.Portal.Services.GetRequiredService<ILoggerFactory>()));
        }
    }

    private string Url(string path) => new Uri(_portal!.BaseAddress, path).ToString();

    private async Task OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(Url(path));
        await WaitForCircuitAsync(page);
    }

    private static Task WaitForCircuitAsync(IPage page) => Assertions.Expect(page.Locator("#interactive")).ToHaveTextAsync("True");

    private static ILocator PickerRow(ILocator picker, string table) =>
        picker.Locator("tbody tr").Filter(new() { Has = picker.Page.GetByTestId("catalog-table").GetByText(table, new() { Exact = true }) });

    private static async Task PickAsync(IPage page, string testId, string item)
    {
        await page.GetByTestId(testId).First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = item }).ClickAsync();
    }

    private static async Task Shot(IPage page, string name)
    {
        // A full-page shot of a scrolled page draws the fixed app bar where the scroll left it.
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name), FullPage = true });
    }

    private async Task<IPage> NewPageAsync()
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 850 } });
        return await context.NewPageAsync();
    }

    private async Task AddNodeAsync(string name, string connectionString)
    {
        var parts = new NpgsqlConnectionStringBuilder(connectionString);
        await using var scope = _portal!.Services.CreateAsyncScope();
        var nodes = scope.ServiceProvider.GetRequiredService<NodeAdministration>();
        var node = await nodes.CreateAsync(Admin,
            new NodeInput(name, parts.Host!, parts.Port, parts.Database!, parts.Username!, parts.Password, SslMode.Disable), CancellationToken.None);
        // Installing Ferry on the node is the Admin's part; the Operator's set and subscriptions need it.
        await nodes.InstallAsync(Admin, node.Id, CancellationToken.None);
    }

    private async Task CreateUserAsync(string userName, string role)
    {
        await using var scope = _portal!.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = new IdentityUser(userName);
        Assert.True((await users.CreateAsync(user, PortalFixture.Password)).Succeeded);
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
    }

    private static async Task<long> WorkloadAsync(NpgsqlDataSource source, CancellationToken stop)
    {
        await Task.Yield();
        var random = new Random(7);
        long calls = 0;
        await using var connection = await source.OpenConnectionAsync(CancellationToken.None);
        while (!stop.IsCancellationRequested)
        {
            await using var command = new NpgsqlCommand(random.Next(2) == 0
                ? "SELECT digoal_01.f_user_login($1)"
                : "SELECT digoal_01.f_user_logout($1)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = random.Next(1, 2001) });
            await command.ExecuteNonQueryAsync(CancellationToken.None);
            calls++;
            await Task.Delay(5, CancellationToken.None);
        }
        return calls;
    }
}
