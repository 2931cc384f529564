using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Compare;
using Ferry.Portal.Tests.Api;
using Ferry.Portal.Tests.ApiReplication;
using Ferry.Portal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;

namespace Ferry.Portal.Tests.Compare;

/// <summary>
/// Compare and repair in headless Chromium over the seed scenario (docs/decisions/ADR-018-compare-portal-and-resync-in-place.md):
/// an Operator clicks Compare on a table, sees the report running with its progress bar, then its counts and the differing
/// rows side by side with the differing column marked, downloads the CSV, previews and starts a repair, and sees the repair's
/// report end equal; the table's history lists both. A Viewer reads the report and the CSV, with no Compare or Repair button.
/// The fixture's Hangfire server is off: the test runs the loops and the jobs' bodies itself. Screenshots go to
/// <c>TestResults/compare</c>.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class CompareBrowserTests(PortalFixture fixture, SeedNodes seed) : IClassFixture<SeedNodes>, IAsyncLifetime
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "compare");
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await seed.ForgetReplicationAsync();
        Directory.CreateDirectory(Screenshots);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        });
    }

    [Fact]
    public async Task Operator_ComparesAndRepairsATable_FromThePortal_AndAViewerReadsTheReport()
    {
        using var op = await ApiClient.AsAsync(fixture, "operator");
        var (setId, id) = await seed.SubscribeAsync("ui_compare");
        using var added = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables",
            new { source = "digoal_01.user_info", target = "digoal_02.user_info", filter = "userid <= 50" }, Token);
        var tableId = (await ApiClient.JsonAsync(added, HttpStatusCode.Created)).GetProperty("id").GetInt32();
        var services = fixture.Portal.Services;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var loops = new[]
        {
            Task.Run(() => services.GetRequiredService<SetTickerRunner>().RunAsync(setId, stop.Token), Token),
            Task.Run(() => services.GetRequiredService<SubscriptionRunner>().RunAsync(id, stop.Token), Token),
        };
        try
        {
            var page = await LogInAsync("operator");
            await GoAsync(page, $"/tables/{id}");
            var compare = page.GetByTestId("tables-grid").GetByTestId("compare");
            await Assertions.Expect(compare).ToBeVisibleAsync(new() { Timeout = 60_000 }); // shown once the table's copy is ok
            await using (var target = new NpgsqlConnection(seed.TargetConnectionString))
            {
                await target.OpenAsync(Token);
                await using var drift = new NpgsqlCommand("""
                    DELETE FROM digoal_02.user_info WHERE userid = 7;
                    UPDATE digoal_02.user_info SET email = '' WHERE userid = 9;
                    INSERT INTO digoal_02.user_info (userid, engname) VALUES (-1, 'extra');
                    """, target);
                await drift.ExecuteNonQueryAsync(Token);
            }

            // Compare: the report page shows it running with its progress bar until the job has run.
            await compare.ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(ReportUrl());
            var reportId = ReportId(page.Url);
            await Assertions.Expect(page.GetByTestId("compare-state")).ToHaveAttributeAsync("data-state", "Running");
            await Assertions.Expect(page.GetByTestId("compare-progress")).ToBeVisibleAsync();
            await Shot(page, "01-compare-running.png");
            await services.GetRequiredService<CompareService>().RunCompareAsync(reportId, Token);
            await Assertions.Expect(page.GetByTestId("compare-state")).ToHaveTextAsync("differs");
            await Assertions.Expect(page.GetByTestId("count-missing")).ToContainTextAsync("1");
            await Assertions.Expect(page.GetByTestId("count-extra")).ToContainTextAsync("1");
            await Assertions.Expect(page.GetByTestId("count-different")).ToContainTextAsync("1");
            await Assertions.Expect(page.GetByTestId("difference")).ToHaveCountAsync(3);
            var different = page.Locator("[data-testid=difference][data-kind=Different]");
            await Assertions.Expect(different.GetByTestId("difference-key")).ToHaveTextAsync("9");
            await Assertions.Expect(different.Locator("thead th.differs")).ToHaveTextAsync("email");
            await Assertions.Expect(different.GetByTestId("difference-target").Locator("td[data-differs=true]")).ToHaveTextAsync("''");
            await Assertions.Expect(page.Locator("[data-testid=difference][data-kind=Extra]").GetByTestId("difference-key")).ToHaveTextAsync("-1");
            await Shot(page, "02-compare-report.png");

            var csv = await page.Context.APIRequest.GetAsync(Url($"/compare-reports/{reportId}/differences.csv"));
            Assert.Equal(200, csv.Status);
            var lines = (await csv.TextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(4, lines.Length);
            Assert.Contains(lines, l => l.StartsWith("\"Different\",\"9\",\"email\"", StringComparison.Ordinal));

            // Repair: the preview first, then a background job with a report of its own that ends equal.
            await page.GetByTestId("repair").ClickAsync();
            var dialog = page.GetByTestId("repair-dialog");
            await Assertions.Expect(dialog.GetByTestId("repair-statements")).ToContainTextAsync("DELETE FROM \"digoal_02\".\"user_info\" WHERE \"userid\" = '-1';");
            await Shot(page, "03-repair-preview.png");
            await page.GetByTestId("confirm-ok").ClickAsync(); // the dialog's actions are outside its content element
            await Assertions.Expect(page).ToHaveURLAsync(new Regex($@"/compare-reports/(?!{reportId}$)\d+$"));
            var repairId = ReportId(page.Url);
            await Assertions.Expect(page.GetByTestId("compare-state")).ToHaveTextAsync("repairing");
            await Assertions.Expect(page.GetByTestId("compare-progress")).ToContainTextAsync("repairing the target");
            await services.GetRequiredService<RepairService>().RunRepairAsync(repairId, Token);
            await Assertions.Expect(page.GetByTestId("compare-state")).ToHaveTextAsync("equal");
            await Assertions.Expect(page.GetByTestId("repair-summary")).ToContainTextAsync("2 row(s) written, 1 deleted");
            await Assertions.Expect(page.GetByTestId("repair")).ToHaveCountAsync(0);
            await Shot(page, "04-repair-done.png");

            await page.GetByTestId("table-history").ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/tables/{id}/compare/{tableId}$"));
            await Assertions.Expect(page.GetByTestId("report-link")).ToHaveTextAsync([$"Repair #{repairId}", $"Compare #{reportId}"]);
            await Shot(page, "05-history.png");

            // A Viewer reads the report and its CSV; no button starts anything.
            var viewer = await LogInAsync("viewer");
            await GoAsync(viewer, $"/tables/{id}");
            await Assertions.Expect(viewer.GetByTestId("tables-grid").GetByTestId("compare-reports")).ToBeVisibleAsync();
            await Assertions.Expect(viewer.GetByTestId("tables-grid").GetByTestId("compare")).ToHaveCountAsync(0);
            await Assertions.Expect(viewer.GetByTestId("subscription-compare")).ToHaveCountAsync(0);
            await GoAsync(viewer, $"/compare-reports/{reportId}");
            await Assertions.Expect(viewer.GetByTestId("difference")).ToHaveCountAsync(3);
            await Assertions.Expect(viewer.GetByTestId("repair")).ToHaveCountAsync(0);
            await Assertions.Expect(viewer.GetByTestId("compare-again")).ToHaveCountAsync(0);
            Assert.Equal(200, (await viewer.Context.APIRequest.GetAsync(Url($"/compare-reports/{reportId}/differences.csv"))).Status);
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var loop in loops)
            {
                try
                {
                    await loop;
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }

    [GeneratedRegex(@"/compare-reports/\d+$")]
    private static partial Regex ReportUrl();

    private static int ReportId(string url) => int.Parse(url[(url.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    private string Url(string path) => new Uri(fixture.Portal.BaseAddress, path).ToString();

    private async Task GoAsync(IPage page, string path)
    {
        await page.GotoAsync(Url(path));
        await Assertions.Expect(page.Locator("#interactive")).ToHaveTextAsync("True");
    }

    private async Task<IPage> LogInAsync(string user)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url("/account/login"));
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", PortalFixture.Password);
        await page.ClickAsync("#login-submit");
        await Assertions.Expect(page.GetByTestId("page-title")).ToHaveTextAsync("Dashboard");
        return page;
    }

    private static async Task Shot(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name), FullPage = true });
}
