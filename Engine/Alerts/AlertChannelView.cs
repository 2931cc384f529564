using Ferry.Engine.Control;

namespace Ferry.Engine.Alerts;

/// <summary>A channel without its secrets: the webhook shows only its scheme and host.</summary>
public sealed record AlertChannelView(
    int Id, string Name, AlertChannelKind Kind, bool Enabled, string? WebhookTarget, WebhookFormat WebhookFormat, string? SmtpHost,
    int SmtpPort, SmtpSecurity SmtpSecurity, string? SmtpUserName, bool HasSmtpPassword, string? MailFrom, IReadOnlyList<string> MailTo);
