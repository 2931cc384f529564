namespace Ferry.Engine.Control;

/// <summary>
/// One rule's condition on one subject, from the round that first saw it until it cleared: pending (holding, not yet for the
/// rule's <see cref="AlertRule.HoldFor"/>), firing, then resolved (kept as history). At most one alert per rule and subject is not
/// resolved. Only <see cref="AlertEvaluator"/> writes these rows.
/// </summary>
public sealed class Alert
{
    public long Id { get; set; }

    /// <summary>The rule; null once the rule was deleted (the alert keeps its name and kind).</summary>
    public int? RuleId { get; set; }

    public AlertRule? Rule { get; set; }

    public required string RuleName { get; set; }

    public AlertKind Kind { get; set; }

    /// <summary>What the alert is about, as a key: <c>subscription:3</c>, <c>table:17</c>, <c>node:2</c>, <c>set:1</c>.</summary>
    public required string Subject { get; set; }

    /// <summary>The subject as people read it (<c>seed → target1</c>, <c>node source</c>).</summary>
    public required string SubjectName { get; set; }

    public AlertStatus Status { get; set; }

    /// <summary>What the last round saw (the lag, the error, how long paused...).</summary>
    public required string Message { get; set; }

    /// <summary>The value compared with the threshold at the last round, if the kind has one.</summary>
    public double? Value { get; set; }

    /// <summary>The first round that saw the condition.</summary>
    public DateTimeOffset PendingSince { get; set; }

    public DateTimeOffset? FiredAt { get; set; }

    /// <summary>When the last firing or repeat notice reached a channel; null while the first one has not.</summary>
    public DateTimeOffset? LastNotifiedAt { get; set; }

    public DateTimeOffset? ResolvedAt { get; set; }

    /// <summary>The resolved notice reached a channel.</summary>
    public bool ResolvedNotified { get; set; }

    /// <summary>Notices delivered (firing, repeats, resolved).</summary>
    public int Notifications { get; set; }

    /// <summary>Why the last delivery failed on some channel (no secret: channel name and the error's message).</summary>
    public string? LastDeliveryError { get; set; }
}
