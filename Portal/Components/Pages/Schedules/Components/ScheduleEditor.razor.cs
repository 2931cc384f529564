using System.Globalization;
using Ferry.Engine.Schedules;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Ferry.Portal.Components.Pages.Schedules.Components;

/// <summary>
/// Edits a schedule: what to resync, the cron expression with live validation, the time zone, and the next runs as
/// they will happen. Saving is the caller's: it calls <see cref="ValidateAsync"/> first.
/// </summary>
public sealed partial class ScheduleEditor
{
    private MudForm? _form;

    [Parameter, EditorRequired]
    public required ScheduleFormModel Model { get; set; }

    /// <summary>The subscriptions (and their tables) a schedule may target.</summary>
    [Parameter, EditorRequired]
    public required IReadOnlyList<ScheduleTarget> Targets { get; set; }

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    private IReadOnlyList<(int Id, string Name)> TablesOfSubscription =>
        Targets.FirstOrDefault(t => t.SubscriptionId == Model.SubscriptionId)?.Tables ?? [];

    /// <summary>The next runs, or none while the cron expression or time zone is invalid.</summary>
    private IReadOnlyList<DateTimeOffset> NextRuns =>
        ScheduleCron.CronError(Model.Cron) is null && ScheduleCron.TimeZoneError(Model.TimeZone) is null
            ? ScheduleCron.NextOccurrences(Model.Cron, Model.TimeZone, Time.GetUtcNow(), ScheduleAdministration.OccurrencesShown)
            : [];

    /// <summary>Runs every field's validation; true when the schedule can be saved.</summary>
    public async Task<bool> ValidateAsync()
    {
        await _form!.ValidateAsync();
        return _form.IsValid;
    }

    private string Describe(DateTimeOffset run)
    {
        var local = TimeZoneInfo.ConvertTime(run, ScheduleCron.FindTimeZone(Model.TimeZone));
        var utc = run.ToUniversalTime();
        return local.Offset == TimeSpan.Zero
            ? utc.ToString("ddd yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)
            : local.ToString("ddd yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + $" {Model.TimeZone.Trim()} ("
              + utc.ToString("HH:mm 'UTC'", CultureInfo.InvariantCulture) + ")";
    }
}
