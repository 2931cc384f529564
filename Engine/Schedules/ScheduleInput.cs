using Ferry.Engine.Control;

namespace Ferry.Engine.Schedules;

/// <summary>
/// What a user enters for a schedule. <see cref="TableRuleId"/> only for <see cref="ScheduleKind.ResyncTable"/> and
/// <see cref="ScheduleKind.CompareTable"/>; <see cref="RepairAfter"/> only for compares.
/// </summary>
public sealed record ScheduleInput(
    string Name, string Cron, string TimeZone, ScheduleKind Kind, int SubscriptionId, int? TableRuleId, bool Enabled = true,
    bool RepairAfter = false);
