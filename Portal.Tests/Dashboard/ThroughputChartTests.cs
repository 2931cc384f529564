using Bunit;
using Ferry.Engine.Replication.Throughput;
using Ferry.Portal.Components.Pages.Dashboard;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Dashboard;

public sealed class ThroughputChartTests : PortalBunitContext
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    // The chart fits its card (MatchBoundsToSize): what the browser would measure for a card on the dashboard.
    public ThroughputChartTests() =>
        JSInterop.Setup<MudBlazor.Interop.ElementSize>("mudObserveElementSize", _ => true)
            .SetResult(new MudBlazor.Interop.ElementSize { Width = 330, Height = 140 });

    [Fact]
    public void Chart_DrawsTheHour_WithUtcTimesAndTheRates()
    {
        // 60 minutes from 12:00 UTC; 600 events (10/s) at 12:30 and 90 in the minute under way.
        var series = Hour(i => i == 30 ? 600 : 0, last: (90, 3.0));

        var chart = Render<ThroughputChart>(p => p.Add(c => c.Series, series));

        Assert.Empty(chart.FindAll("[data-testid=throughput-empty]"));
        Assert.NotEmpty(chart.FindAll("svg path"));
        var labels = chart.FindAll("svg text").Select(t => t.TextContent.Trim()).ToList();
        Assert.Contains("12:15", labels);
        Assert.Contains("12:45", labels);
        Assert.Contains("10", labels);
        var summary = chart.Find("[data-testid=throughput-summary]").TextContent;
        Assert.Contains("now 3", summary, StringComparison.Ordinal);
        Assert.Contains("peak 10", summary, StringComparison.Ordinal);
        Assert.Contains("690 events", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Chart_SaysSo_WhenNoEventWasAppliedInTheHour()
    {
        var chart = Render<ThroughputChart>(p => p.Add(c => c.Series, Hour(_ => 0)));

        Assert.Equal("No events applied in the last hour.", chart.Find("[data-testid=throughput-empty]").TextContent);
        Assert.Empty(chart.FindAll("svg"));
        Assert.Empty(chart.FindAll("[data-testid=throughput-summary]"));
    }

    [Fact]
    public void Chart_ShowsAPlaceholder_UntilTheHourIsRead_ThenTheNewSeries()
    {
        var chart = Render<ThroughputChart>();
        Assert.NotEmpty(chart.FindAll(".mud-skeleton"));

        chart.Render(p => p.Add(c => c.Series, Hour(i => i * 60)));

        Assert.Empty(chart.FindAll(".mud-skeleton"));
        Assert.Contains("peak 59", chart.Find("[data-testid=throughput-summary]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Chart_WaitsForTheCircuit_WhilePrerendering()
    {
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Static", isInteractive: false));

        var chart = Render<ThroughputChart>(p => p.Add(c => c.Series, Hour(i => i)));

        Assert.NotEmpty(chart.FindAll(".mud-skeleton"));
        Assert.Empty(chart.FindAll("svg"));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3.5, 1)]
    [InlineData(7, 2)]
    [InlineData(37, 10)]
    [InlineData(1234, 500)]
    public void TickSpacing_GivesAboutFourRoundTicks(double peak, int spacing) =>
        Assert.Equal(spacing, ThroughputChart.TickSpacing(peak));

    private static SubscriptionThroughput Hour(Func<int, long> eventsAt, (long Events, double Rate)? last = null) =>
        new(1, 60, [.. Enumerable.Range(0, 60).Select(i => i == 59 && last is { } now
            ? new ThroughputPoint(Start.AddMinutes(i), now.Events, now.Rate)
            : new ThroughputPoint(Start.AddMinutes(i), eventsAt(i), Math.Round(eventsAt(i) / 60.0, 2)))]);
}
