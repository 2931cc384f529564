using Bunit;
using Ferry.Engine.Schedules;
using Ferry.Portal.Components.Pages.Schedules.Components;
using Ferry.Portal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Portal.Tests.Schedules;

public sealed class ScheduleEditorTests : PortalBunitContext
{
    private static readonly ScheduleTarget[] Targets = [new(7, "seed → target1", [(11, "public.user_info"), (12, "public.user_session")])];

    // A fixed "now", so the next runs shown are known (the editor reads TimeProvider).
    public ScheduleEditorTests() : base(new FixedTime(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero)))
    {
    }

    [Fact]
    public void Editor_ShowsTheNextRuns_InUtc()
    {
        var editor = Render<ScheduleEditor>(p => p
            .Add(e => e.Model, new ScheduleFormModel { Name = "nightly", SubscriptionId = 7, Cron = "0 3 * * *" })
            .Add(e => e.Targets, Targets));

        var next = editor.Find("[data-testid=schedule-next]").TextContent;
        Assert.Contains("Thu 2026-11-26 03:00:00 UTC", next, StringComparison.Ordinal);
        Assert.Contains("Mon 2026-11-30 03:00:00 UTC", next, StringComparison.Ordinal);
        Assert.Equal(5, editor.FindAll("[data-testid=schedule-next] li").Count);
    }

    [Fact]
    public void Editor_ShowsLocalTimeAndUtc_ForAnotherTimeZone()
    {
        var editor = Render<ScheduleEditor>(p => p
            .Add(e => e.Model, new ScheduleFormModel { Name = "nightly", SubscriptionId = 7, Cron = "30 2 * * *", TimeZone = "Europe/Berlin" })
            .Add(e => e.Targets, Targets));

        Assert.Contains("Thu 2026-11-26 02:30:00 Europe/Berlin (01:30 UTC)", editor.Find("[data-testid=schedule-next]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void TypingABadCron_ShowsWhyAtOnce_AndNoNextRuns()
    {
        var editor = Render<ScheduleEditor>(p => p
            .Add(e => e.Model, new ScheduleFormModel { Name = "nightly", SubscriptionId = 7 })
            .Add(e => e.Targets, Targets));

        editor.Find("div[data-testid=schedule-cron] input, input[data-testid=schedule-cron]").Input("61 * * * *");

        editor.WaitForAssertion(() =>
        {
            Assert.Contains("is not a valid cron expression", editor.Markup, StringComparison.Ordinal);
            Assert.Contains("Fix the cron expression", editor.Find("[data-testid=schedule-next]").TextContent, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task TableResync_WithoutATable_IsInvalid()
    {
        var model = new ScheduleFormModel { Name = "one table", SubscriptionId = 7, Kind = Ferry.Engine.Control.ScheduleKind.ResyncTable };
        var editor = Render<ScheduleEditor>(p => p.Add(e => e.Model, model).Add(e => e.Targets, Targets));

        Assert.False(await editor.InvokeAsync(() => editor.Instance.ValidateAsync()));
        editor.WaitForAssertion(() => Assert.Contains("Choose the table to copy again.", editor.Markup, StringComparison.Ordinal));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
