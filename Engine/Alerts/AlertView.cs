using Ferry.Engine.Control;

namespace Ferry.Engine.Alerts;

/// <summary>An alert as the portal and <c>/api</c> show it.</summary>
public sealed record AlertView(
    long Id, int? RuleId, string RuleName, AlertKind Kind, string Subject, string SubjectName, AlertStatus Status, string Message,
    double? Value, DateTimeOffset PendingSince, DateTimeOffset? FiredAt, DateTimeOffset? LastNotifiedAt, DateTimeOffset? ResolvedAt,
    int Notifications, string? LastDeliveryError);
