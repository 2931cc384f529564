using System.Diagnostics;
using System.Globalization;
using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Portal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;

namespace Ferry.Portal.Tests.Tables;

/// <summary>
/// A subscription with 1,000 real tables (a source and a target database in the fixture's cluster, each table added
/// through <see cref="TableRuleService"/>), and one with 10 beside it, in headless Chromium: the Tables page shows page 1
/// of 1,000 with a pager, sorting puts the last table first, the search and a column filter narrow it to one table, and the
/// dashboard counts "1000 new". The collection's portal runs no loops, so the tables stay in state new (no copies): the
/// test is about reading and showing 1,000 tables, the benchmark (bench/run --only tables1000) about copying them.
/// Time to the first rendered grid row, 1,000 against 10 tables, goes to the test output and
/// <c>TestResults/thousand/timings.txt</c>, with screenshots.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class ThousandTablesBrowserTests(PortalFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Many = 1000;
    private const int Few = 10;
    private const string Prefix = "thousand";
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "thousand");
    private static readonly ClaimsPrincipal Admin = new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, FerryRoles.Admin)], "test"));

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await ForgetAsync();
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
    public async Task TablesPage_PagesSortsAndFiltersAThousandTables_AndTheDashboardCountsThem()
    {
        var clock = Stopwatch.StartNew();
        var source = await fixture.Postgres.CreateDatabaseAsync($"{Prefix}_src");
        var manyTarget = await fixture.Postgres.CreateDatabaseAsync($"{Prefix}_many");
        var fewTarget = await fixture.Postgres.CreateDatabaseAsync($"{Prefix}_few");
        await CreateTablesAsync(source, Many);
        await CreateTablesAsync(manyTarget, Many);
        await CreateTablesAsync(fewTarget, Few);
        var sets = fixture.Portal.Services.GetRequiredService<SetService>();
        var subscriptions = fixture.Portal.Services.GetRequiredService<SubscriptionService>();
        var tableRules = fixture.Portal.Services.GetRequiredService<TableRuleService>();
        var set = await sets.CreateSetAsync(Admin, Prefix, await AddNodeAsync($"{Prefix}_source", source), Token);
        var many = await subscriptions.SubscribeAsync(Admin, set.Id, await AddNodeAsync($"{Prefix}_many", manyTarget), Token);
        var few = await subscriptions.SubscribeAsync(Admin, set.Id, await AddNodeAsync($"{Prefix}_few", fewTarget), Token);
        var setUp = clock.Elapsed;
        output.WriteLine($"set-up {setUp.TotalSeconds:0.0} s");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        // Every table through the service layer, a few at a time (each add validates on both nodes and creates triggers).
        await AddTablesAsync(tableRules, few.Id, Few);
        await AddTablesAsync(tableRules, many.Id, Many);
        var added = clock.Elapsed;
        var addCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        output.WriteLine($"{Few + Many} tables added in {(added - setUp).TotalSeconds:0.0} s ({addCpu:0.0} s CPU in the test process)");

        var page = await NewPageAsync();
        await LogInAsync(page);
        var manyMs = new List<double>();
        var fewMs = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            fewMs.Add(await TimeToGridAsync(page, few.Id, Few));
            manyMs.Add(await TimeToGridAsync(page, many.Id, Many));
        }

        // Page 1 of 1,000, with a pager.
        var grid = page.GetByTestId("tables-grid");
        var rows = grid.Locator("tr.table-row");
        await Assertions.Expect(rows).ToHaveCountAsync(25);
        await Assertions.Expect(rows.First).ToContainTextAsync("\"many\".\"t0001\"");
        await Assertions.Expect(grid.Locator(".mud-table-pagination")).ToContainTextAsync($"1-25 of {Many:N0}");
        await Assertions.Expect(page.GetByTestId("tables-total")).ToHaveTextAsync($"{Many:N0} tables");
        await Assertions.Expect(grid.Locator("[data-testid=state-badge][data-state=New]")).ToHaveCountAsync(25);
        await Shot(page, "01-tables-page1.png");

        // The next page comes from the control database too.
        await grid.Locator(".mud-table-pagination button[aria-label='Next page']").ClickAsync();
        await Assertions.Expect(rows.First).ToContainTextAsync("\"many\".\"t0026\"");
        await Assertions.Expect(grid.Locator(".mud-table-pagination")).ToContainTextAsync($"26-50 of {Many:N0}");

        // Sorting by source, descending (a second click), from the first page: the last table comes first.
        await grid.Locator(".mud-table-pagination button[aria-label='First page']").ClickAsync();
        await Assertions.Expect(rows.First).ToContainTextAsync("\"many\".\"t0001\"");
        var sourceHeader = grid.Locator("th").Filter(new() { HasText = "Source → target" }).Locator(".sortable-column-header");
        await sourceHeader.ClickAsync();
        await Assertions.Expect(rows.First).ToContainTextAsync("\"many\".\"t0001\"");
        await sourceHeader.ClickAsync();
        await Assertions.Expect(rows.First).ToContainTextAsync($"\"many\".\"t{Many:D4}\"");
        await Shot(page, "02-sorted-descending.png");

        // The search narrows 1,000 tables to one.
        await Search(page).FillAsync("t0737");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync("\"many\".\"t0737\"");
        await Assertions.Expect(grid.Locator(".mud-table-pagination")).ToContainTextAsync("1-1 of 1");
        await Assertions.Expect(page.GetByTestId("tables-total")).ToHaveTextAsync("1 table");
        await Shot(page, "03-search-one.png");
        await Search(page).FillAsync("");
        await Assertions.Expect(rows).ToHaveCountAsync(25);

        // A column filter (the grid's own filter menu on Source → target), also applied in SQL.
        await grid.Locator("th").Filter(new() { HasText = "Source → target" }).Locator("button.filter-button").ClickAsync();
        await page.Locator(".filter-input input").FillAsync("t0042");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync("\"many\".\"t0042\"");
        await Shot(page, "04-column-filter-one.png");

        // The dashboard counts them without listing them.
        await GoAsync(page, "/");
        var card = page.GetByTestId($"status-{Prefix}_many");
        await Assertions.Expect(card).ToContainTextAsync($"Tables: {Many} new");
        await Assertions.Expect(page.GetByTestId($"status-{Prefix}_few")).ToContainTextAsync($"Tables: {Few} new");
        await Shot(page, "05-dashboard.png");

        var timings = string.Create(CultureInfo.InvariantCulture,
            $"set-up {setUp.TotalSeconds:0.0} s; {Few + Many} tables added through TableRuleService in {(added - setUp).TotalSeconds:0.0} s " +
            $"({addCpu:0.0} s CPU in the test process, portal included); load average {File.ReadAllText("/proc/loadavg")[..14]}; " +
            $"whole test {clock.Elapsed.TotalSeconds:0.0} s\n" +
            $"time to the first rendered grid row (navigation to /tables/{{id}} until row 1 and the pager show), median of 3: " +
            $"{Few} tables {Median(fewMs):0} ms, {Many} tables {Median(manyMs):0} ms ({Median(manyMs) / Median(fewMs):0.00}x); " +
            $"runs: {string.Join(", ", fewMs.Select(m => m.ToString("0", CultureInfo.InvariantCulture)))} / " +
            $"{string.Join(", ", manyMs.Select(m => m.ToString("0", CultureInfo.InvariantCulture)))} ms\n");
        output.WriteLine(timings);
        await File.WriteAllTextAsync(Path.Combine(Screenshots, "timings.txt"), timings, Token);
        Assert.True(Median(manyMs) < 10_000, timings);
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        await ForgetAsync();
    }

    /// <summary>Navigation to the subscription's Tables page until its grid shows row 1 and the pager the total.</summary>
    private async Task<double> TimeToGridAsync(IPage page, int subscription, int tables)
    {
        var watch = Stopwatch.StartNew();
        await page.GotoAsync(Url($"/tables/{subscription}"));
        var grid = page.GetByTestId("tables-grid");
        await Assertions.Expect(grid.Locator("tr.table-row").First).ToContainTextAsync("\"many\".\"t0001\"");
        await Assertions.Expect(grid.Locator(".mud-table-pagination")).ToContainTextAsync($"of {tables.ToString("N0", CultureInfo.InvariantCulture)}");
        var elapsed = watch.Elapsed.TotalMilliseconds;
        await Assertions.Expect(page.Locator("#interactive")).ToHaveTextAsync("True");
        return elapsed;
    }

    private static ILocator Search(IPage page) => page.Locator("[data-testid=tables-search] input, input[data-testid=tables-search]").First;

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>Tables many.t0001... with a key (no rows: nothing is copied here).</summary>
    private static async Task CreateTablesAsync(string connectionString, int count)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        for (var from = 1; from <= count; from += 250)
        {
            await using var command = new NpgsqlCommand($$"""
                CREATE SCHEMA IF NOT EXISTS many;
                DO $$
                BEGIN
                    FOR i IN {{from}}..{{Math.Min(count, from + 249)}} LOOP
                        EXECUTE format('CREATE TABLE many.%I (id int PRIMARY KEY, v text)', 't' || lpad(i::text, 4, '0'));
                    END LOOP;
                END $$
                """, connection);
            await command.ExecuteNonQueryAsync(Token);
        }
    }

    private static async Task AddTablesAsync(TableRuleService tableRules, int subscription, int count)
    {
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) <= count)
            {
                await tableRules.AddTableAsync(Admin, subscription, new AddTableRequest($"many.t{i:D4}"), Token);
            }
        }));
    }

    private async Task<int> AddNodeAsync(string name, string connectionString)
    {
        var parts = new NpgsqlConnectionStringBuilder(connectionString);
        await using var scope = fixture.Portal.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<NodeAdministration>().CreateAsync(Admin,
            new NodeInput(name, parts.Host!, parts.Port, parts.Database!, parts.Username!, parts.Password, SslMode.Disable), Token)).Id;
    }

    /// <summary>Forgets this test's sets, subscriptions (their table rules go with them) and nodes.</summary>
    private async Task ForgetAsync()
    {
        await using var context = await fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>().CreateDbContextAsync();
        await context.Subscriptions.Where(s => s.Set!.Name == Prefix).ExecuteDeleteAsync();
        await context.Sets.Where(s => s.Name == Prefix).ExecuteDeleteAsync();
        await context.Nodes.Where(n => n.Name.StartsWith(Prefix + "_")).ExecuteDeleteAsync();
    }

    private string Url(string path) => new Uri(fixture.Portal.BaseAddress, path).ToString();

    private async Task GoAsync(IPage page, string path)
    {
        await page.GotoAsync(Url(path));
        await Assertions.Expect(page.Locator("#interactive")).ToHaveTextAsync("True");
    }

    private async Task<IPage> NewPageAsync()
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        return await context.NewPageAsync();
    }

    private async Task LogInAsync(IPage page)
    {
        await page.GotoAsync(Url("/account/login"));
        await page.FillAsync("#username", "operator");
        await page.FillAsync("#password", PortalFixture.Password);
        await page.ClickAsync("#login-submit");
        await Assertions.Expect(page.GetByTestId("page-title")).ToHaveTextAsync("Dashboard");
    }

    private static async Task Shot(IPage page, string name)
    {
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name), FullPage = true });
    }
}
