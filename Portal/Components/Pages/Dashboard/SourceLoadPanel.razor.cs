using System.Globalization;
using System.Security.Claims;
using Ferry.Engine.Monitoring;
using Microsoft.AspNetCore.Components;

namespace Ferry.Portal.Components.Pages.Dashboard;

/// <summary>
/// The source's load per set: read once when the page opens (<see cref="SourceLoadQuery"/>), then taken from each new
/// monitoring round (<see cref="SourceLoadUpdates"/>, every <c>Monitoring:RefreshInterval</c>), so the panel follows the root
/// without polling it.
/// </summary>
public sealed partial class SourceLoadPanel : IDisposable
{
    private IReadOnlyList<SourceLoad>? _loads;
    private IDisposable? _updates;

    [Parameter, EditorRequired]
    public required ClaimsPrincipal User { get; set; }

    [Inject] private SourceLoadQuery Query { get; set; } = default!;
    [Inject] private SourceLoadUpdates Updates { get; set; } = default!;

    protected override async Task OnInitializedAsync() => _loads = await Query.GetAllAsync(User, CancellationToken.None);

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _updates = Updates.Subscribe(loads => _ = InvokeAsync(() =>
            {
                _loads = loads;
                StateHasChanged();
            }));
        }
    }

    public void Dispose() => _updates?.Dispose();

    private static string Rate(double? perSecond) =>
        perSecond is { } rate ? rate.ToString(rate < 10 ? "0.0" : "N0", CultureInfo.CurrentCulture) + " /s" : "measuring…";

    internal static string Bytes(long? bytes) => bytes switch
    {
        null => "—",
        < 1024 * 1024 => (bytes.Value / 1024.0).ToString("0", CultureInfo.CurrentCulture) + " kB",
        < 1024L * 1024 * 1024 => (bytes.Value / 1024.0 / 1024).ToString("0.0", CultureInfo.CurrentCulture) + " MB",
        _ => (bytes.Value / 1024.0 / 1024 / 1024).ToString("0.00", CultureInfo.CurrentCulture) + " GB",
    };

    internal static string Age(double? seconds) => seconds switch
    {
        null => "—",
        < 60 => seconds.Value.ToString("0", CultureInfo.CurrentCulture) + " s",
        < 3600 => (seconds.Value / 60).ToString("0.#", CultureInfo.CurrentCulture) + " min",
        < 172_800 => (seconds.Value / 3600).ToString("0.#", CultureInfo.CurrentCulture) + " h",
        _ => (seconds.Value / 86_400).ToString("0.#", CultureInfo.CurrentCulture) + " days",
    };

    private static string Since(DateTimeOffset? at, DateTimeOffset? now) =>
        at is { } then && now is { } current ? Age((current - then).TotalSeconds) + " ago" : "—";
}
