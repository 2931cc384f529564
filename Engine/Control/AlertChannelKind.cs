namespace Ferry.Engine.Control;

/// <summary>How an <see cref="AlertChannel"/> delivers notices.</summary>
public enum AlertChannelKind
{
    /// <summary>An HTTP POST of a JSON body (<see cref="WebhookFormat"/>).</summary>
    Webhook,

    /// <summary>An e-mail over SMTP.</summary>
    Email,
}
