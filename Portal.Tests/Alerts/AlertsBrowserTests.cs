using Ferry.Engine.Control;
using Ferry.Portal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ferry.Portal.Tests.Alerts;

/// <summary>
/// The alert page in headless Chromium: an Admin sees the active and past alerts and the default rules, adds a webhook channel
/// that takes a test notice on a receiver the test starts, and a rule that uses it; a Viewer reads the same page without any
/// button that changes something. Screenshots go to <c>TestResults/alerts</c> beside the test assembly.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class AlertsBrowserTests(PortalFixture fixture) : IAsyncLifetime
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "alerts");

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
    public async Task Admin_SeesAlertsAndRules_AddsAWebhookThatTakesATestNotice_AndARule_ViewerOnlyReads()
    {
        await PlantAlertsAsync();
        await using var receiver = await WebhookReceiver.StartAsync();

        var page = await LoginAsync(PortalFactory.AdminUser, PortalFactory.AdminPassword);
        await GoAsync(page, "/alerts");
        await Assertions.Expect(page.GetByTestId("page-title")).ToHaveTextAsync("Alerts");
        var open = page.GetByTestId("open-alerts");
        await Assertions.Expect(open).ToContainTextAsync("Lag 412 s (the rule fires above 5 min).");
        await Assertions.Expect(open).ToContainTextAsync("Firing");
        await ShotAsync(page, "01-active.png");

        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("past-alerts")).ToContainTextAsync("Node browser_node did not answer its probe.");
        await Assertions.Expect(page.GetByTestId("past-alerts")).ToContainTextAsync("Resolved");

        await page.GetByRole(AriaRole.Tab, new() { Name = "Rules (7)" }).ClickAsync();
        var rules = page.GetByTestId("alert-rules");
        await Assertions.Expect(rules).ToContainTextAsync("Lag above 5 minutes");
        await Assertions.Expect(rules).ToContainTextAsync("a set's newest tick is older than 2 min");
        await ShotAsync(page, "02-rules.png");

        // A channel: refused first without its URL (the dialog says what to fix), then saved and tested.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Channels (0)" }).ClickAsync();
        await page.GetByTestId("add-channel").ClickAsync();
        await Field(page, "channel-name").FillAsync("Ops webhook");
        await page.GetByTestId("channel-dialog-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("channel-dialog-error")).ToContainTextAsync("Enter the webhook's URL.");
        await Field(page, "channel-url").FillAsync(new Uri(receiver.Address, "/hooks/ops").ToString());
        await ShotAsync(page, "03-channel-dialog.png");
        await page.GetByTestId("channel-dialog-save").ClickAsync();
        var channels = page.GetByTestId("alert-channels");
        await Assertions.Expect(channels).ToContainTextAsync("Ops webhook");
        await Assertions.Expect(channels).ToContainTextAsync("JSON webhook http://127.0.0.1:");
        await page.GetByLabel("Send a test notice to Ops webhook").ClickAsync();
        await Eventually.TrueAsync(() => Task.FromResult(!receiver.Received.IsEmpty), TimeSpan.FromSeconds(15), "the test notice posted");
        Assert.Equal("/hooks/ops", receiver.Received.Single().Path);

        // A rule that sends to it.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Rules (7)" }).ClickAsync();
        await page.GetByTestId("add-rule").ClickAsync();
        await Field(page, "rule-name").FillAsync("Lag above 30 s");
        await Field(page, "rule-threshold").FillAsync("30");
        await Field(page, "rule-threshold").PressAsync("Tab");
        await Assertions.Expect(page.GetByTestId("rule-condition")).ToHaveTextAsync("Fires when an active subscription's lag is above 30 s.");
        await page.GetByTestId("rule-dialog-save").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Rules (8)" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("alert-rules")).ToContainTextAsync("Lag above 30 s");
        await ShotAsync(page, "04-rule-added.png");

        var contexts = fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using (var control = await contexts.CreateDbContextAsync(Token))
        {
            var rule = await control.AlertRules.SingleAsync(r => r.Name == "Lag above 30 s", Token);
            Assert.Equal((AlertKind.Lag, 30d, TimeSpan.FromMinutes(5)), (rule.Kind, rule.Threshold, rule.HoldFor));
        }

        // A Viewer reads everything and changes nothing.
        var viewer = await LoginAsync("viewer", PortalFixture.Password);
        await GoAsync(viewer, "/alerts");
        await Assertions.Expect(viewer.GetByTestId("open-alerts")).ToContainTextAsync("Lag 412 s");
        await Assertions.Expect(viewer.GetByTestId("evaluate-now")).ToHaveCountAsync(0);
        await viewer.GetByRole(AriaRole.Tab, new() { Name = "Rules (8)" }).ClickAsync();
        await Assertions.Expect(viewer.GetByTestId("alert-rules")).ToContainTextAsync("Lag above 30 s");
        await Assertions.Expect(viewer.GetByTestId("add-rule")).ToHaveCountAsync(0);
        await Assertions.Expect(viewer.GetByLabel("Edit Lag above 30 s")).ToHaveCountAsync(0);
        await viewer.GetByRole(AriaRole.Tab, new() { Name = "Channels (1)" }).ClickAsync();
        await Assertions.Expect(viewer.GetByTestId("alert-channels")).ToContainTextAsync("Ops webhook");
        await Assertions.Expect(viewer.GetByTestId("add-channel")).ToHaveCountAsync(0);
        await Assertions.Expect(viewer.GetByLabel("Delete Ops webhook")).ToHaveCountAsync(0);
        await ShotAsync(viewer, "05-viewer-channels.png");
    }

    /// <summary>One firing alert and one resolved, as an evaluation round leaves them.</summary>
    private async Task PlantAlertsAsync()
    {
        var contexts = fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using var control = await contexts.CreateDbContextAsync(Token);
        var lag = await control.AlertRules.SingleAsync(r => r.Kind == AlertKind.Lag, Token);
        var node = await control.AlertRules.SingleAsync(r => r.Kind == AlertKind.NodeUnreachable, Token);
        var now = DateTimeOffset.UtcNow;
        control.Alerts.AddRange(
            new Alert
            {
                RuleId = lag.Id, RuleName = lag.Name, Kind = AlertKind.Lag, Subject = "subscription:9001", SubjectName = "browser_set → browser_target",
                Status = AlertStatus.Firing, Message = "Lag 412 s (the rule fires above 5 min).", Value = 412, PendingSince = now.AddMinutes(-7),
                FiredAt = now.AddMinutes(-2), LastNotifiedAt = now.AddMinutes(-2), Notifications = 1,
            },
            new Alert
            {
                RuleId = node.Id, RuleName = node.Name, Kind = AlertKind.NodeUnreachable, Subject = "node:9001", SubjectName = "browser_node",
                Status = AlertStatus.Resolved, Message = "Node browser_node did not answer its probe.", PendingSince = now.AddHours(-3),
                FiredAt = now.AddHours(-3).AddMinutes(2), LastNotifiedAt = now.AddHours(-2), ResolvedAt = now.AddHours(-2), ResolvedNotified = true,
                Notifications = 2,
            });
        await control.SaveChangesAsync(Token);
    }

    private async Task<IPage> LoginAsync(string user, string password)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 800 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(fixture.Portal.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", password);
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
