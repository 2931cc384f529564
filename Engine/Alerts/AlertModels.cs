namespace Ferry.Engine.Alerts;

/// <summary>A rule as an Admin writes it; durations in seconds.</summary>
public sealed record AlertRuleInput(
    string Name, AlertKind Kind, double Threshold, double HoldForSeconds, double RepeatEverySeconds, bool Enabled,
    IReadOnlyList<int>? ChannelIds);

/// <summary>A rule as the portal and <c>/api</c> show it, with what its threshold means.</summary>
public sealed record AlertRuleView(
    int Id, string Name, AlertKind Kind, double Threshold, double HoldForSeconds, double RepeatEverySeconds, bool Enabled,
    IReadOnlyList<int> ChannelIds, string Condition);

/// <summary>
/// A channel as an Admin writes it. Secrets (<see cref="WebhookUrl"/>, <see cref="SmtpPassword"/>) left empty on a change keep
/// the stored ones.
/// </summary>
public sealed record AlertChannelInput(
    string Name, AlertChannelKind Kind, bool Enabled, string? WebhookUrl, WebhookFormat WebhookFormat, string? SmtpHost, int SmtpPort,
    SmtpSecurity SmtpSecurity, string? SmtpUserName, string? SmtpPassword, string? MailFrom, IReadOnlyList<string>? MailTo);

/// <summary>A channel without its secrets: the webhook shows only its scheme and host.</summary>
public sealed record AlertChannelView(
    int Id, string Name, AlertChannelKind Kind, bool Enabled, string? WebhookTarget, WebhookFormat WebhookFormat, string? SmtpHost,
    int SmtpPort, SmtpSecurity SmtpSecurity, string? SmtpUserName, bool HasSmtpPassword, string? MailFrom, IReadOnlyList<string> MailTo);

/// <summary>An alert as the portal and <c>/api</c> show it.</summary>
public sealed record AlertView(
    long Id, int? RuleId, string RuleName, AlertKind Kind, string Subject, string SubjectName, AlertStatus Status, string Message,
    double? Value, DateTimeOffset PendingSince, DateTimeOffset? FiredAt, DateTimeOffset? LastNotifiedAt, DateTimeOffset? ResolvedAt,
    int Notifications, string? LastDeliveryError);
