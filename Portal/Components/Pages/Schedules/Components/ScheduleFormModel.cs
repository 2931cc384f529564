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

    /// <summary>A compare schedule repairs each table it finds different.</summary>
    public bool RepairAfter { get; set; }

    /// <summary>Whether the schedule's kind names one table.</summary>
    public bool OfOneTable => Kind is ScheduleKind.ResyncTable or ScheduleKind.CompareTable;

    /// <summary>Whether the schedule compares (and may repair after).</summary>
    public bool Compares => Kind is ScheduleKind.Compare or ScheduleKind.CompareTable;

    public static ScheduleFormModel From(ScheduleView s) => new()
    {
        Name = s.Name, Cron = s.Cron, TimeZone = s.TimeZone, Kind = s.Kind, SubscriptionId = s.SubscriptionId, TableRuleId = s.TableRuleId,
        Enabled = s.Enabled, RepairAfter = s.RepairAfter,
    };

    public ScheduleInput ToInput() => new(
        Name, Cron, TimeZone, Kind, SubscriptionId ?? 0, OfOneTable ? TableRuleId : null, Enabled, Compares && RepairAfter);
}
