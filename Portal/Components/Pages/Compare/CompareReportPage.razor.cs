using System.Globalization;
using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Compare;
using Ferry.Portal.Components.Pages.Compare.Components;
using Ferry.Portal.Jobs;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Ferry.Portal.Components.Pages.Compare;

/// <summary>
/// One compare or repair report (docs/decisions/ADR-018-compare-portal-and-resync-in-place.md): its progress while it runs,
/// its counts, the first differing rows side by side with the differing columns marked, a CSV of all of them; Operators
/// compare again or repair from it (a preview first; the repair runs as a background job and has a report of its own).
/// </summary>
public sealed partial class CompareReportPage
{
    private const int Shown = 20;
    private CompareReportInfo? _report;
    private IReadOnlyList<DifferenceInfo>? _differences;
    private string? _missing;
    private ClaimsPrincipal _user = new();
    private bool _canChange;

    [Parameter]
    public int ReportId { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private CompareService Compares { get; set; } = default!;

    [Inject]
    private RepairService Repairs { get; set; } = default!;

    [Inject]
    private CompareRequests Requests { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private string Title => _report?.RepairOf is not null ? $"Repair #{ReportId}" : $"Compare report #{ReportId}";

    protected override async Task OnInitializedAsync()
    {
        _user = (await AuthenticationState).User;
        _canChange = FerryRoles.Allows(_user, FerryRoles.Operator);
    }

    protected override Task OnParametersSetAsync()
    {
        _report = null;
        _differences = null;
        return ReloadAsync();
    }

    private async Task ReloadAsync()
    {
        try
        {
            var report = await Compares.GetReportAsync(_user, ReportId, CancellationToken.None);
            // The rows are read once the report is finished (they do not change after).
            if (report.State != "Running" && (_differences is null || _report?.State == "Running"))
            {
                _differences = await Compares.GetDifferencesAsync(_user, ReportId, 0, Shown, CancellationToken.None);
            }
            _report = report;
            _missing = null;
        }
        catch (ReplicationRefusedException e)
        {
            _missing = e.Message;
        }
    }

    private async Task CompareAgainAsync()
    {
        try
        {
            var report = await Requests.CompareTableAsync(_user, _report!.SubscriptionId, _report.TableId, CancellationToken.None);
            Navigation.NavigateTo($"/compare-reports/{report.Id}");
        }
        catch (Exception e) when (e is ReplicationRefusedException or AccessDeniedException)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
    }

    private async Task RepairAsync()
    {
        try
        {
            var preview = await Repairs.PreviewAsync(_user, ReportId, CancellationToken.None);
            var dialog = await Dialogs.ShowAsync<RepairDialog>($"Repair {preview.Table}",
                new DialogParameters<RepairDialog> { { d => d.Preview, preview } },
                new DialogOptions { CloseOnEscapeKey = true, MaxWidth = MaxWidth.Medium, FullWidth = true });
            if (await dialog.Result is not { Canceled: false, Data: true })
            {
                return;
            }
            var repair = await Requests.RepairAsync(_user, ReportId, CancellationToken.None);
            Snackbar.Add($"Repair of {preview.Table} started.", Severity.Success);
            Navigation.NavigateTo($"/compare-reports/{repair.Id}");
        }
        catch (Exception e) when (e is ReplicationRefusedException or AccessDeniedException)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
    }

    internal static string Took(DateTimeOffset started, DateTimeOffset finished)
    {
        var took = finished - started;
        return took.TotalSeconds < 60
            ? took.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"
            : took.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture);
    }
}
