using Ferry.Engine.Control;
using Ferry.Engine.Schedules;

namespace Ferry.Portal.Components.Pages.Schedules.Components;

/// <summary>The schedule editor's fields.</summary>
public sealed class ScheduleFormModel
{
    public string Name { get; set; } = "";

    public string Cron { get; set; } = "0 3 * * *";

    public string TimeZone { get; set; } = "Etc/UTC";

    public ScheduleKind Kind { get; set; } = ScheduleKind.ResyncSubscription;

    public int? SubscriptionId { get; set; }

    public int? TableRuleId { get; set; }

    public bool Enabled { get; set; } = true;

    public static ScheduleFormModel From(ScheduleView s) => new()
    {
        Name = s.Name, Cron = s.Cron, TimeZone = s.TimeZone, Kind = s.Kind, SubscriptionId = s.SubscriptionId, TableRuleId = s.TableRuleId,
        Enabled = s.Enabled,
    };

    public ScheduleInput ToInput() => new(
        Name, Cron, TimeZone, Kind, SubscriptionId ?? 0, Kind == ScheduleKind.ResyncTable ? TableRuleId : null, Enabled);
}
