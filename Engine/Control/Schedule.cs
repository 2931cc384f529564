namespace Ferry.Engine.Control;

/// <summary>A recurring job an operator set up; it runs as a Hangfire recurring job.</summary>
public sealed class Schedule : ITimestamped
{
    public int Id { get; set; }

    public required string Name { get; set; }

    /// <summary>A cron expression (5 fields, or 6 with seconds) as Cronos reads it.</summary>
    public required string Cron { get; set; }

    /// <summary>The IANA time zone the cron expression is read in, e.g. <c>Etc/UTC</c> or <c>Asia/Shanghai</c>.</summary>
    public string TimeZone { get; set; } = "Etc/UTC";

    public ScheduleKind Kind { get; set; }

    public int SubscriptionId { get; set; }

    public Subscription? Subscription { get; set; }

    /// <summary>The table of a <see cref="ScheduleKind.ResyncTable"/> or <see cref="ScheduleKind.CompareTable"/> schedule; null for the other kinds.</summary>
    public int? TableRuleId { get; set; }

    public TableRuleRecord? TableRule { get; set; }

    /// <summary>A compare schedule repairs each table its compare found different (docs/decisions/ADR-018-compare-portal-and-resync-in-place.md).</summary>
    public bool RepairAfter { get; set; }

    public bool Enabled { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
