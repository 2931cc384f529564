using Ferry.Engine.Control;

namespace Ferry.Engine.Alerts;

/// <summary>A notice an alert sends: its first firing, a repeat while it holds, or its resolution.</summary>
public sealed record AlertNotice(
    long AlertId, AlertNoticeKind Kind, string RuleName, AlertKind RuleKind, string Subject, string SubjectName, string Message,
    double? Value, DateTimeOffset PendingSince, DateTimeOffset? FiredAt, DateTimeOffset? ResolvedAt, DateTimeOffset SentAt)
{
    /// <summary><c>FIRING</c>, <c>STILL FIRING</c> or <c>RESOLVED</c>.</summary>
    public string StatusWord => Kind switch
    {
        AlertNoticeKind.Firing => "FIRING",
        AlertNoticeKind.Repeat => "STILL FIRING",
        _ => "RESOLVED",
    };

    /// <summary>One line: status, rule and subject.</summary>
    public string Title => $"{StatusWord}: {RuleName} — {SubjectName}";
}
