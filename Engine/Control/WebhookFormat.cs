namespace Ferry.Engine.Control;

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
