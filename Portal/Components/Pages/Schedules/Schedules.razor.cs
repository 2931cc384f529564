using Ferry.Engine.Control;
using Ferry.Engine.Schedules;
using Ferry.Portal.Components.Pages.Schedules.Components;
using Ferry.Portal.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Ferry.Portal.Components.Pages.Schedules;

public sealed partial class Schedules
{
    private IReadOnlyList<ScheduleView>? _schedules;
    private IReadOnlyList<ScheduleTarget>? _targets;

    [Inject]
    private ScheduleAdministration Administration { get; set; } = default!;

    protected override async Task ReloadAsync()
    {
        _targets = await Administration.TargetsAsync(CurrentUser, CancellationToken.None);
        _schedules = await Administration.ListAsync(CurrentUser, CancellationToken.None);
    }

    private async Task OpenAsync(ScheduleView? existing)
    {
        var parameters = new DialogParameters<ScheduleDialog>
        {
            { d => d.User, CurrentUser }, { d => d.Targets, _targets! }, { d => d.Existing, existing },
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
            await Administration.DeleteAsync(CurrentUser, schedule.Id, CancellationToken.None);
            Snackbar.Add($"Deleted {schedule.Name}.", Severity.Success);
        }
        catch (Exception e) when (e is RequestRefusedException or AccessDeniedException or EntityNotFoundException)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
        await ReloadAsync();
    }

    private static string What(ScheduleView s) => s.Kind switch
    {
        Ferry.Engine.Control.ScheduleKind.ResyncTable => $"Resync {s.Table}",
        Ferry.Engine.Control.ScheduleKind.CompareTable => $"Compare {s.Table}" + (s.RepairAfter ? ", repair" : ""),
        Ferry.Engine.Control.ScheduleKind.Compare => "Compare all tables" + (s.RepairAfter ? ", repair" : ""),
        _ => "Resync all tables",
    };
}
