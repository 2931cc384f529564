using System.Globalization;
using Ferry.Engine.Alerts;
using Ferry.Engine.Control;

namespace Ferry.Portal.Components.Pages.Alerts.Components;

/// <summary>How the alert page writes durations, times and channel destinations.</summary>
internal static class AlertText
{
    public static string Duration(double seconds) => seconds switch
    {
        <= 0 => "at once",
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.#} s"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0.#} min"),
        < 172_800 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0.#} h"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 86_400:0.#} d"),
    };

    public static string KindName(AlertKind kind) => kind switch
    {
        AlertKind.Lag => "Lag above a threshold",
        AlertKind.Error => "Subscription or table in error",
        AlertKind.Paused => "Paused for too long",
        AlertKind.NodeUnreachable => "Node unreachable",
        AlertKind.TickerStalled => "Ticker not ticking",
        AlertKind.PendingEvents => "Too many events pending",
        AlertKind.CompareDifferences => "Compare found differences",
        _ => kind.ToString(),
    };

    public static string Time(DateTimeOffset? at) => Shared.UtcTime.Format(at);

    public static string Destination(AlertChannelView channel) => channel.Kind == AlertChannelKind.Webhook
        ? $"{(channel.WebhookFormat == WebhookFormat.Json ? "JSON" : channel.WebhookFormat.ToString())} webhook {channel.WebhookTarget}"
        : $"{string.Join(", ", channel.MailTo)} via {channel.SmtpHost}:{channel.SmtpPort.ToString(CultureInfo.InvariantCulture)}";

    public static MudBlazor.Color StatusColor(AlertStatus status) => status switch
    {
        AlertStatus.Firing => MudBlazor.Color.Error,
        AlertStatus.Pending => MudBlazor.Color.Warning,
        _ => MudBlazor.Color.Success,
    };
}
