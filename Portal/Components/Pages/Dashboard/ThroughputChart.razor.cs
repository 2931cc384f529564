using System.Globalization;
using Ferry.Engine.Replication.Throughput;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Ferry.Portal.Components.Pages.Dashboard;

/// <summary>
/// Draws a <see cref="SubscriptionThroughput"/> as a time series (x: minutes, UTC; y: events per second). It renders again
/// only for a new series, not for every render of the card around it.
/// </summary>
public sealed partial class ThroughputChart
{
    private const string Height = "140px";

    private SubscriptionThroughput? _shown;
    private List<ChartSeries<double>> _series = [];
    private TimeSeriesChartOptions _options = new();

    /// <summary>The hour to draw; null while it is read.</summary>
    [Parameter]
    public SubscriptionThroughput? Series { get; set; }

    protected override void OnParametersSet()
    {
        if (Series is null || ReferenceEquals(Series, _shown))
        {
            return;
        }
        _series =
        [
            new ChartSeries<double>
            {
                Name = "events/s",
                Data = new ChartData<double>([.. Series.Points.Select(p => (p.Start.UtcDateTime, p.EventsPerSecond))]),
            },
        ];
        _options = new TimeSeriesChartOptions
        {
            ShowLegend = false,
            ShowDataMarkers = false,
            LineStrokeWidth = 2,
            LineDisplayType = LineDisplayType.Area,
            // Straight segments between the minutes: a spline would draw rates that never happened (overshoots, dips below 0).
            InterpolationOption = InterpolationOption.Straight,
            ChartPalette = ["#3d8fd1"],
            YAxisRequireZeroPoint = true,
            ClampToZero = true,
            YAxisTicks = TickSpacing(Series.PeakEventsPerSecond),
            MaxNumYAxisTicks = 5,
            YAxisToStringFunc = Rate,
            XAxisLines = false,
            TimeLabelFormat = "HH:mm",
            TimeLabelSpacing = TimeSpan.FromMinutes(15),
            TimeLabelSpacingRounding = true,
            TooltipTimeLabelFormat = "HH:mm 'UTC'",
        };
    }

    protected override bool ShouldRender() => !ReferenceEquals(Series, _shown);

    protected override void OnAfterRender(bool firstRender) => _shown = Series;

    /// <summary>A rate as the axis and the summary show it: no decimals from 10 up, one below.</summary>
    internal static string Rate(double perSecond) =>
        perSecond.ToString(perSecond >= 10 || perSecond == 0 ? "N0" : "0.#", CultureInfo.InvariantCulture);

    /// <summary>A round spacing (1, 2, 5 × 10ⁿ) giving about four ticks up to <paramref name="peak"/>; at least 1.</summary>
    public static int TickSpacing(double peak)
    {
        var raw = peak / 4;
        if (raw <= 1)
        {
            return 1;
        }
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = raw / magnitude;
        var nice = step <= 1 ? 1 : step <= 2 ? 2 : step <= 5 ? 5 : 10;
        return (int)(nice * magnitude);
    }
}
