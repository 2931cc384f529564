using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Engine.Control;


namespace Ferry.Engine.Alerts;

/// <summary>The bodies of a notice: Ferry's JSON, Slack's and Teams' webhook payloads, and the e-mail's text.</summary>
internal static class AlertMessages
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string WebhookBody(AlertNotice notice, WebhookFormat format) => format switch
    {
        WebhookFormat.Slack => new JsonObject { ["text"] = $"{Emoji(notice)} *{notice.Title}*\n{notice.Message}" }.ToJsonString(Json),
        WebhookFormat.Teams => Teams(notice).ToJsonString(Json),
        _ => JsonSerializer.Serialize(new
        {
            source = "ferry",
            status = notice.Kind == AlertNoticeKind.Resolved ? "resolved" : "firing",
            repeat = notice.Kind == AlertNoticeKind.Repeat,
            alertId = notice.AlertId,
            rule = notice.RuleName,
            kind = notice.RuleKind.ToString(),
            subject = notice.Subject,
            subjectName = notice.SubjectName,
            title = notice.Title,
            message = notice.Message,
            value = notice.Value,
            pendingSince = notice.PendingSince,
            firedAt = notice.FiredAt,
            resolvedAt = notice.ResolvedAt,
            sentAt = notice.SentAt,
        }, Json),
    };

    public static string MailSubject(AlertNotice notice) => "[Ferry] " + notice.Title;

    public static string MailText(AlertNotice notice) => string.Join("\n",
    [
        notice.Title,
        "",
        notice.Message,
        "",
        $"Rule:      {notice.RuleName} ({notice.RuleKind})",
        $"Subject:   {notice.SubjectName} ({notice.Subject})",
        $"Since:     {Time(notice.PendingSince)}",
        $"Fired:     {Time(notice.FiredAt)}",
        notice.ResolvedAt is null ? "" : $"Resolved:  {Time(notice.ResolvedAt)}",
        $"Alert:     {notice.AlertId}",
        "",
        "Sent by Ferry's alert evaluation. Active and past alerts: the portal's Alerts page.",
    ]);

    private static JsonObject Teams(AlertNotice notice) => new()
    {
        ["type"] = "message",
        ["attachments"] = new JsonArray(new JsonObject
        {
            ["contentType"] = "application/vnd.microsoft.card.adaptive",
            ["content"] = new JsonObject
            {
                ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
                ["type"] = "AdaptiveCard",
                ["version"] = "1.4",
                ["body"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "TextBlock", ["size"] = "Medium", ["weight"] = "Bolder", ["wrap"] = true, ["text"] = notice.Title,
                        ["color"] = notice.Kind == AlertNoticeKind.Resolved ? "Good" : "Attention",
                    },
                    new JsonObject { ["type"] = "TextBlock", ["wrap"] = true, ["text"] = notice.Message },
                    new JsonObject
                    {
                        ["type"] = "FactSet",
                        ["facts"] = new JsonArray(
                            Fact("Rule", notice.RuleName), Fact("Subject", notice.SubjectName), Fact("Since", Time(notice.PendingSince)),
                            Fact("Alert", notice.AlertId.ToString(CultureInfo.InvariantCulture))),
                    }),
            },
        }),
    };

    private static JsonObject Fact(string title, string value) => new() { ["title"] = title, ["value"] = value };

    private static string Emoji(AlertNotice notice) => notice.Kind == AlertNoticeKind.Resolved ? ":large_green_circle:" : ":red_circle:";

    private static string Time(DateTimeOffset? at) => at?.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) ?? "—";
}
