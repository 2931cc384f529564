namespace Ferry.Engine.Alerts;

/// <summary>How an <see cref="AlertChannel"/> delivers notices.</summary>
public enum AlertChannelKind
{
    /// <summary>An HTTP POST of a JSON body (<see cref="WebhookFormat"/>).</summary>
    Webhook,

    /// <summary>An e-mail over SMTP.</summary>
    Email,
}

/// <summary>The body a webhook channel posts.</summary>
public enum WebhookFormat
{
    /// <summary>Ferry's own JSON (every field of the notice).</summary>
    Json,

    /// <summary><c>{"text": "…"}</c>, as Slack's (and Mattermost's, Rocket.Chat's) incoming webhooks take it.</summary>
    Slack,

    /// <summary>A message with an Adaptive Card, as a Microsoft Teams workflow's webhook takes it.</summary>
    Teams,
}

/// <summary>How the SMTP connection is secured (MailKit's <c>SecureSocketOptions</c>).</summary>
public enum SmtpSecurity
{
    /// <summary>TLS when the server offers it (STARTTLS), plain otherwise.</summary>
    Auto,

    /// <summary>No TLS (a relay on the same host or network).</summary>
    None,

    /// <summary>STARTTLS, required (port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,
}
