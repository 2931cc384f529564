namespace Ferry.Engine.Control;

/// <summary>
/// Where notices go: a webhook or SMTP e-mail. Its secrets (the webhook URL, which for Slack or Teams is itself the credential,
/// and the SMTP password) are stored encrypted with Data Protection (<see cref="AlertSecretProtector"/>) and never shown back.
/// </summary>
public sealed class AlertChannel : ITimestamped
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public AlertChannelKind Kind { get; set; }

    public bool Enabled { get; set; } = true;

    /// <summary>The webhook URL, encrypted.</summary>
    public string? ProtectedWebhookUrl { get; set; }

    public WebhookFormat WebhookFormat { get; set; }

    public string? SmtpHost { get; set; }

    public int SmtpPort { get; set; } = 587;

    public SmtpSecurity SmtpSecurity { get; set; }

    public string? SmtpUserName { get; set; }

    /// <summary>The SMTP password, encrypted; null without authentication.</summary>
    public string? ProtectedSmtpPassword { get; set; }

    public string? MailFrom { get; set; }

    public List<string> MailTo { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
