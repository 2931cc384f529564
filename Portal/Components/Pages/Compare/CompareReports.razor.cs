using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Compare;
using Ferry.Engine.Replication.Status;
using Ferry.Portal.Components.Shared;
using Ferry.Portal.Jobs;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Ferry.Portal.Components.Pages.Compare;

/// <summary>
/// The history of compares and repairs of a subscription, or of one of its tables, newest first, with a progress bar on those
/// that run (docs/decisions/ADR-018-compare-portal-and-resync-in-place.md). Operators start a compare of the table, or of every
/// table that is ok; it runs as a background job.
/// </summary>
public sealed partial class CompareReports
{
    private const int Take = 100;
    private IReadOnlyList<CompareReportInfo>? _reports;
    private SubscriptionSummary? _summary;
    private string? _table;
    private string? _missing;
    private ClaimsPrincipal _user = new();
    private bool _canChange;

    [Parameter]
    public int SubscriptionId { get; set; }

    [Parameter]
    public int? TableId { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private CompareService Compares { get; set; } = default!;

    [Inject]
    private CompareRequests Requests { get; set; } = default!;

    [Inject]
    private ReplicationStatusQuery Status { get; set; } = default!;

    [Inject]
    private Confirmation Confirmation { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _user = (await AuthenticationState).User;
        _canChange = FerryRoles.Allows(_user, FerryRoles.Operator);
    }

    protected override async Task OnParametersSetAsync()
    {
        _reports = null;
        try
        {
            _summary = await Status.GetSummaryAsync(_user, SubscriptionId, CancellationToken.None);
            _missing = null;
        }
        catch (ReplicationRefusedException e)
        {
            _missing = e.Message;
            return;
        }
        await ReloadAsync();
    }

    private async Task ReloadAsync()
    {
        _reports = await Compares.GetReportsAsync(_user, SubscriptionId, TableId, Take, CancellationToken.None);
        _table ??= _reports.FirstOrDefault()?.Table;
    }

    private async Task CompareAsync()
    {
        var what = TableId is null ? "every table of this subscription that is ok" : _table ?? "this table";
        if (!await Confirmation.AskAsync("Compare", $"Compare {what} with the source? Writers on the source wait a moment for a consistent "
                + "point; replication goes on.", "Compare", destructive: false))
        {
            return;
        }
        try
        {
            if (TableId is { } table)
            {
                var report = await Requests.CompareTableAsync(_user, SubscriptionId, table, CancellationToken.None);
                Navigation.NavigateTo($"/compare-reports/{report.Id}");
                return;
            }
            var started = await Requests.CompareSubscriptionAsync(_user, SubscriptionId, CancellationToken.None);
            Snackbar.Add($"Compare of {started.Count} table(s) started.", Severity.Success);
            await ReloadAsync();
        }
        catch (Exception e) when (e is ReplicationRefusedException or AccessDeniedException)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
    }

    private async Task ResyncInPlaceAsync()
    {
        if (!await Confirmation.AskAsync("Resync in place", $"Resync {_table ?? "this table"} without emptying it? It is compared with the "
                + "source and repaired by chunks until equal; readers keep every row, and replication goes on.", "Resync in place", destructive: false))
        {
            return;
        }
        try
        {
            await Requests.ResyncInPlaceAsync(_user, SubscriptionId, TableId!.Value, CancellationToken.None);
            Snackbar.Add("Resync in place started: its compares and repairs follow below.", Severity.Success);
            await ReloadAsync();
        }
        catch (Exception e) when (e is ReplicationRefusedException or AccessDeniedException)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
    }
}
