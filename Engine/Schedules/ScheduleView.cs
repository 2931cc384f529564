using Ferry.Engine.Control;

namespace Ferry.Engine.Schedules;

/// <summary>A schedule as the portal and the API show it, with what it targets and when it fires next.</summary>
public sealed record ScheduleView(
    int Id,
    string Name,
    string Cron,
    string TimeZone,
    ScheduleKind Kind,
    int SubscriptionId,
    string Subscription,
    int? TableRuleId,
    string? Table,
    bool Enabled,
    IReadOnlyList<DateTimeOffset> NextOccurrences,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    bool RepairAfter = false)
{
    /// <summary>The Hangfire recurring job id of this schedule (visible under <c>/jobs</c>).</summary>
    public string RecurringJobId => JobIdOf(Id);

    public static string JobIdOf(int scheduleId) => $"schedule-{scheduleId}";
}
