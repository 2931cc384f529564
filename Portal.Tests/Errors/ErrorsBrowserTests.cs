using System.Net;
using System.Net.Http.Json;
using Ferry.Engine.Control;
using Ferry.Portal.Tests.Api;
using Ferry.Portal.Tests.ApiReplication;
using Ferry.Portal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ferry.Portal.Tests.Errors;

/// <summary>
/// The error history page in headless Chromium (docs/decisions/ADR-017-error-history.md): the groups of a subscription as
/// one line per cause with its count, expanded to the occurrences; an Operator sees the key and the row and the actions, and
/// a skip whose event the target does not keep is refused with the reason; a Viewer sees neither the row nor any action.
/// Screenshots go to <c>TestResults/errors</c> beside the test assembly.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class ErrorsBrowserTests(PortalFixture fixture, SeedNodes seed) : IClassFixture<SeedNodes>, IAsyncLifetime
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "errors");

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await seed.ForgetReplicationAsync();
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
    public async Task Operator_SeesGroupsOccurrencesAndActions_ARefusedSkipSaysWhy_ViewerSeesNoRowsNorActions()
    {
        var (_, subscriptionId) = await seed.SubscribeAsync("browser_errors");
        using (var op = await ApiClient.AsAsync(fixture, "operator"))
        using (var added = await op.PostAsJsonAsync($"/api/subscriptions/{subscriptionId}/tables",
                   new { source = "digoal_01.user_info", target = "digoal_02.user_info" }, Token))
        {
            var tableId = (await ApiClient.JsonAsync(added, HttpStatusCode.Created)).GetProperty("id").GetInt32();
            await PlantAsync(subscriptionId, tableId);
        }

        var page = await LoginAsync("operator");
        await GoAsync(page, $"/errors/{subscriptionId}");
        await Assertions.Expect(page.GetByTestId("page-title")).ToHaveTextAsync("Error history");
        var groups = page.GetByTestId("error-group");
        await Assertions.Expect(groups).ToHaveCountAsync(2);
        await Assertions.Expect(groups.First).ToContainTextAsync("still failing");
        await Assertions.Expect(groups.First).ToContainTextAsync("23514");
        await Assertions.Expect(groups.First).ToContainTextAsync("1000×");
        // Times in the portal's one format (ISO order, UTC), whatever the server's culture.
        await Assertions.Expect(groups.First).ToContainTextAsync(
            new System.Text.RegularExpressions.Regex(@"first \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC · last \d{4}-\d{2}-\d{2} "));
        await Assertions.Expect(groups.Nth(1)).ToContainTextAsync("retried and passed");
        await page.GetByTestId("group-cause").First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("occurrence-key")).ToHaveTextAsync("{\"userid\":\"4242\"}");
        await Assertions.Expect(page.GetByTestId("occurrence-row")).ToContainTextAsync("browser_bad");
        await Field(page, "skip-reason").FillAsync("the row is test data");
        await ShotAsync(page, "01-operator-group.png");
        await page.GetByTestId("skip").ClickAsync();
        await page.GetByTestId("confirm-ok").ClickAsync();
        // The table never ran on the target, so the event is not kept there: refused, nothing changed.
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("not in error");
        await ShotAsync(page, "02-skip-refused.png");

        var viewer = await LoginAsync("viewer");
        await GoAsync(viewer, $"/errors/{subscriptionId}");
        await Assertions.Expect(viewer.GetByTestId("error-group")).ToHaveCountAsync(2);
        await viewer.GetByTestId("group-cause").First.ClickAsync();
        await Assertions.Expect(viewer.GetByTestId("occurrence")).ToHaveCountAsync(1);
        await Assertions.Expect(viewer.GetByTestId("occurrence")).ToBeVisibleAsync();
        await Assertions.Expect(viewer.GetByTestId("occurrence-key")).ToHaveTextAsync("—");
        await Assertions.Expect(viewer.GetByTestId("occurrence-row")).ToHaveCountAsync(0);
        await Assertions.Expect(viewer.GetByTestId("group-actions")).ToHaveCountAsync(0);
        await Assertions.Expect(viewer.GetByTestId("occurrence")).Not.ToContainTextAsync("browser_bad");
        await ShotAsync(viewer, "03-viewer-group.png");
    }

    /// <summary>A still failing group of the table with a thousand occurrences counted (one kept) and a passed one of the subscription.</summary>
    private async Task PlantAsync(int subscriptionId, int tableId)
    {
        var contexts = fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using var control = await contexts.CreateDbContextAsync(Token);
        var now = DateTimeOffset.UtcNow;
        control.ErrorGroups.AddRange(
            new ErrorGroup
            {
                SubscriptionId = subscriptionId, TableRuleId = tableId, SourceTable = "digoal_01.user_info", SqlState = "23514",
                Cause = "new row for relation \"user_info\" violates check constraint \"browser_planted\"", Status = ErrorStatus.Failing,
                Count = 1000, FirstSeen = now.AddMinutes(-30), LastSeen = now.AddMinutes(-1),
                Occurrences =
                [
                    new ErrorOccurrence
                    {
                        At = now.AddMinutes(-1), TickId = 77, Ending = "TableStopped", EventId = 123, Operation = "I",
                        Message = "Event 123 (I on digoal_01.user_info) failed on target table digoal_02.user_info: new row for relation "
                            + "\"user_info\" violates check constraint \"browser_planted\" (SQLSTATE 23514, Failing row contains (4242, browser_bad))",
                        ServerMessage = "new row for relation \"user_info\" violates check constraint \"browser_planted\"",
                        Key = "{\"userid\":\"4242\"}", Row = "{\"userid\":\"4242\",\"engname\":\"browser_bad\"}",
                    },
                ],
            },
            new ErrorGroup
            {
                SubscriptionId = subscriptionId, SqlState = "08006", Cause = "connection to the target was lost", Transient = true,
                Status = ErrorStatus.Passed, Count = 3, FirstSeen = now.AddHours(-2), LastSeen = now.AddHours(-2).AddMinutes(1),
                ClosedAt = now.AddHours(-2).AddMinutes(2), Resolution = "retried and passed",
            });
        await control.SaveChangesAsync(Token);
    }

    private async Task<IPage> LoginAsync(string user)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 800 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(fixture.Portal.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", PortalFixture.Password);
        await page.ClickAsync("#login-submit");
        await Assertions.Expect(page.GetByTestId("page-title")).ToHaveTextAsync("Dashboard");
        return page;
    }

    /// <summary>Opens the page and waits for its circuit (the prerendered page loads its data again once interactive).</summary>
    private async Task GoAsync(IPage page, string path)
    {
        await page.GotoAsync(new Uri(fixture.Portal.BaseAddress, path).ToString());
        await Assertions.Expect(page.Locator("#interactive")).ToHaveTextAsync("True");
    }

    private static ILocator Field(IPage page, string testId) =>
        page.Locator($"[data-testid={testId}] input, input[data-testid={testId}]").First;

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions
        {
            // Finished transitions (a snackbar fading in, a panel opening): the shot shows what the assertions saw.
            Path = Path.Combine(Screenshots, name), FullPage = true, Animations = ScreenshotAnimations.Disabled,
        });

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
