using Ferry.Engine.Control;

namespace Ferry.Engine.Alerts;

/// <summary>
/// A channel as an Admin writes it. Secrets (<see cref="WebhookUrl"/>, <see cref="SmtpPassword"/>) left empty on a change keep
/// the stored ones.
/// </summary>
public sealed record AlertChannelInput(
    string Name, AlertChannelKind Kind, bool Enabled, string? WebhookUrl, WebhookFormat WebhookFormat, string? SmtpHost, int SmtpPort,
    SmtpSecurity SmtpSecurity, string? SmtpUserName, string? SmtpPassword, string? MailFrom, IReadOnlyList<string>? MailTo);
