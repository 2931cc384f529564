using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Schedules;
using Ferry.Portal.Components.Pages.Schedules.Components;
using Ferry.Portal.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Ferry.Portal.Components.Pages.Schedules;

public sealed partial class Schedules
{
    private IReadOnlyList<ScheduleView>? _schedules;
    private IReadOnlyList<ScheduleTarget>? _targets;
    private bool _isOperator;
    private ClaimsPrincipal _user = new();

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private ScheduleAdministration Administration { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private Confirmation Confirmation { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _user = (await AuthenticationState).User;
        _isOperator = FerryRoles.Allows(_user, FerryRoles.Operator);
        await ReloadAsync();
    }

    private async Task ReloadAsync()
    {
        _targets = await Administration.TargetsAsync(_user, CancellationToken.None);
        _schedules = await Administration.ListAsync(_user, CancellationToken.None);
    }

    private async Task OpenAsync(ScheduleView? existing)
    {
        var parameters = new DialogParameters<ScheduleDialog>
        {
            { d => d.User, _user }, { d => d.Targets, _targets! }, { d => d.Existing, existing },
        };
        var options = new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true };
        var dialog = await Dialogs.ShowAsync<ScheduleDialog>(existing is null ? "Add schedule" : $"Edit {existing.Name}", parameters, options);
        if (await dialog.Result is { Canceled: false, Data: ScheduleView saved })
        {
            Snackbar.Add($"Saved {saved.Name}; it runs as recurring job {saved.RecurringJobId}.", Severity.Success);
            await ReloadAsync();
        }
    }

    private async Task DeleteAsync(ScheduleView schedule)
    {
        if (!await Confirmation.AskAsync("Delete schedule", $"Delete {schedule.Name} and its recurring job?", "Delete"))
        {
            return;
        }
        try
        {
            await Administration.DeleteAsync(_user, schedule.Id, CancellationToken.None);
            Snackbar.Add($"Deleted {schedule.Name}.", Severity.Success);
        }
        catch (Exception e) when (e is RequestRefusedException or AccessDeniedException or EntityNotFoundException)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
        await ReloadAsync();
    }
}
