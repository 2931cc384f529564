using Ferry.Engine.Control;
using Ferry.Portal.Tests.ApiReplication;
using Ferry.Portal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ferry.Portal.Tests.Dashboard;

/// <summary>
/// The dashboard's throughput chart in headless Chromium: the empty line first, then the chart without a reload once buckets
/// arrive (the portal's loops are off here, so the test writes the buckets a runner would), in light, dark and narrow.
/// Screenshots go to <c>TestResults/throughput</c> beside the test assembly.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class ThroughputBrowserTests(PortalFixture fixture, SeedNodes nodes) : IClassFixture<SeedNodes>, IAsyncLifetime
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "throughput");

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        });
        Directory.CreateDirectory(Screenshots);
    }

    [Fact]
    public async Task Dashboard_ShowsTheEmptyLine_ThenTheChartWithoutAReload_InLightDarkAndNarrow()
    {
        var (_, id) = await nodes.SubscribeAsync("chart_walk");

        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1366, Height = 800 },
            ColorScheme = ColorScheme.Light,
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(fixture.Portal.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#username", "viewer");
        await page.FillAsync("#password", PortalFixture.Password);
        await page.ClickAsync("#login-submit");
        await Assertions.Expect(page.GetByTestId("page-title")).ToHaveTextAsync("Dashboard");
        await Assertions.Expect(page.Locator("#interactive")).ToHaveTextAsync("True");
        var card = page.GetByTestId($"status-{nodes.TargetName}");
        await Assertions.Expect(card.GetByTestId("throughput-empty")).ToHaveTextAsync("No events applied in the last hour.");

        // What a runner writes while a workload goes on: 40 minutes of 3 to 17 events a second.
        var minute = ThroughputBucket.StartOf(DateTimeOffset.UtcNow);
        var contexts = fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using (var control = await contexts.CreateDbContextAsync(Token))
        {
            control.ThroughputBuckets.AddRange(Enumerable.Range(1, 40).Select(i => new ThroughputBucket
            {
                SubscriptionId = id,
                BucketStart = minute.AddMinutes(-i),
                Events = (long)(600 + (420 * Math.Sin(i / 6.0))),
            }));
            await control.SaveChangesAsync(Token);
        }

        // No reload: the chart comes with the next tick of the dashboard's clock.
        await Assertions.Expect(card.GetByTestId("throughput-chart")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(card.GetByTestId("throughput-empty")).ToHaveCountAsync(0);
        await Assertions.Expect(card.GetByTestId("throughput-summary")).ToContainTextAsync("peak 17");
        await ShotAsync(page, "01-dashboard-chart.png");

        await page.GetByTestId("theme-toggle").ClickAsync();
        await Assertions.Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("data-theme", "dark");
        await ShotAsync(page, "02-dashboard-chart-dark.png");

        // A narrow window: the chart measures its card again (MatchBoundsToSize) and draws at that width.
        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForFunctionAsync("""
            () => {
                const svg = document.querySelector('[data-testid=throughput-chart] svg');
                return svg !== null && Math.abs(svg.viewBox.baseVal.width - svg.getBoundingClientRect().width) < 4;
            }
            """);
        await card.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(Screenshots, "03-card-narrow-dark.png") });
    }

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
