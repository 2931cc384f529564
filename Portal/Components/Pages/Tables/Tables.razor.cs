using System.Globalization;
using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Sequences;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Tables;
using Ferry.Portal.Components.Pages.Tables.Components;
using Ferry.Portal.Components.Shared;
using Ferry.Portal.Jobs;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Ferry.Portal.Components.Pages.Tables;

/// <summary>
/// One subscription's tables and sequences. It reloads when <see cref="ReplicationChanges"/> says the subscription changed
/// (states, copy progress, errors; through <see cref="LiveRefresh"/>), so copies are seen progressing without a reload. The
/// head reads the subscription's summary (tables counted per state) and the grid one page of tables, so neither grows with
/// the number of tables.
/// </summary>
public sealed partial class Tables
{
    private IReadOnlyList<SubscriptionSummary>? _subscriptions;
    private SubscriptionSummary? _status;
    private TablesGrid? _grid;
    private ClaimsPrincipal _user = new();
    private bool _canChange;

    [Parameter]
    public int? SubscriptionId { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private TableRuleService TableRules { get; set; } = default!;

    [Inject]
    private SequenceRuleService SequenceRules { get; set; } = default!;

    [Inject]
    private ReplicationStatusQuery Status { get; set; } = default!;

    [Inject]
    private CompareRequests Compares { get; set; } = default!;

    [Inject]
    private Confirmation Confirmation { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    private string LagText => _status?.LagSeconds is { } lag ? lag.ToString("0.0", CultureInfo.InvariantCulture) + " s" : "—";

    protected override async Task OnInitializedAsync()
    {
        _user = (await AuthenticationState).User;
        _canChange = FerryRoles.Allows(_user, FerryRoles.Operator);
    }

    protected override async Task OnParametersSetAsync()
    {
        _subscriptions = await Status.GetSummariesAsync(_user, CancellationToken.None);
        _status = _subscriptions.FirstOrDefault(s => s.Id == (SubscriptionId ?? _subscriptions.FirstOrDefault()?.Id));
    }

    /// <summary>Reads the summary again, and the grid's current page.</summary>
    private async Task ReloadAsync()
    {
        if (_status is null)
        {
            return;
        }
        _status = await Status.GetSummaryAsync(_user, _status.Id, CancellationToken.None);
        if (_grid is not null)
        {
            await _grid.ReloadAsync();
        }
    }

    private Task<TablePage> LoadTablesAsync(TableQuery query, CancellationToken cancellationToken) =>
        Status.GetTablesPageAsync(_user, _status!.Id, query, cancellationToken);

    private void Pick(int? id) => Navigation.NavigateTo($"/tables/{id}");

    private Task<TableInfo> AddAsync(AddTableRequest request) => TableRules.AddTableAsync(_user, _status!.Id, request, CancellationToken.None);

    private async Task AddedAsync(IReadOnlyList<TableInfo> added)
    {
        Snackbar.Add($"Added {string.Join(", ", added.Select(t => t.Source))}: the copy starts by itself.", Severity.Success);
        await ReloadAsync();
    }

    private async Task AddSequenceAsync(string source, string? target)
    {
        var sequence = await SequenceRules.AddSequenceAsync(_user, _status!.Id, source, target, CancellationToken.None);
        Snackbar.Add($"Added sequence {sequence.Source}.", Severity.Success);
        await ReloadAsync();
        StateHasChanged(); // called through a Func from the section, not an EventCallback
    }

    private Task ResyncAsync(TableInfo table) => ActAsync(
        "Resync table", $"Copy {table.Source} again? Its rows on the target are replaced; the other tables keep applying.", "Resync",
        () => TableRules.ResyncTableAsync(_user, _status!.Id, table.Id, CancellationToken.None), $"Resync of {table.Source} started.");

    private Task CompareAsync(TableInfo table) => StartCompareAsync(async () =>
        $"/compare-reports/{(await Compares.CompareTableAsync(_user, _status!.Id, table.Id, CancellationToken.None)).Id}");

    private Task CompareAllAsync() => StartCompareAsync(async () =>
    {
        await Compares.CompareSubscriptionAsync(_user, _status!.Id, CancellationToken.None);
        return $"/tables/{_status.Id}/compare";
    });

    /// <summary>Starts a compare (a background job, docs/decisions/ADR-018-compare-portal-and-resync-in-place.md) and shows its progress.</summary>
    private async Task StartCompareAsync(Func<Task<string>> start)
    {
        try
        {
            Navigation.NavigateTo(await start());
        }
        catch (Exception e) when (e is ReplicationRefusedException or AccessDeniedException)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
    }

    private Task RetryAsync(TableInfo table) => ActAsync(
        "Retry table", $"Apply {table.Source} again? Fix the cause first (the error says how); its changes kept since it stopped come first.",
        "Retry", () => TableRules.RetryTableAsync(_user, _status!.Id, table.Id, CancellationToken.None), $"{table.Source} applies again.");

    private async Task ChangeHandlerAsync(TableInfo table)
    {
        var parameters = new DialogParameters<HandlerDialog> { { d => d.User, _user }, { d => d.SubscriptionId, _status!.Id }, { d => d.Table, table } };
        var dialog = await Dialogs.ShowAsync<HandlerDialog>($"Handler of {table.Source}", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true });
        if (await dialog.Result is { Canceled: false, Data: TableInfo saved })
        {
            Snackbar.Add($"{saved.Source} now applies with {saved.Handler}.", Severity.Success);
            await ReloadAsync();
        }
    }

    private Task RemoveAsync(TableInfo table) => ActAsync(
        "Remove table", $"Stop replicating {table.Source}? Its rows on the target stay.", "Remove",
        () => TableRules.RemoveTableAsync(_user, _status!.Id, table.Id, CancellationToken.None), $"Removed {table.Source}.");

    private async Task ActAsync(string title, string question, string confirm, Func<Task> action, string done)
    {
        if (!await Confirmation.AskAsync(title, question, confirm))
        {
            return;
        }
        try
        {
            await action();
            Snackbar.Add(done, Severity.Success);
        }
        catch (Exception e) when (e is ReplicationRefusedException or AccessDeniedException)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
        await ReloadAsync();
    }
}
