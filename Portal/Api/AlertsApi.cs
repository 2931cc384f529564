using System.Security.Claims;
using Ferry.Engine.Alerts;
using Ferry.Engine.Control;

namespace Ferry.Portal.Api;

/// <summary>
/// <c>/api/alerts</c>: open and past alerts, the rules and the channels without secrets (Viewer); rules and channels are changed by Admins (audited; channel
/// secrets are never returned); <c>POST /api/alerts/evaluate</c> runs a round now (Operator).
/// </summary>
internal static class AlertsApi
{
    public static RouteGroupBuilder MapAlertsApi(this RouteGroupBuilder api)
    {
        var alerts = api.MapGroup("/alerts").WithTags("Alerts");

        alerts.MapGet("/", (ClaimsPrincipal user, AlertAdministration service, CancellationToken ct) => service.ListOpenAsync(user, ct))
            .WithName("ListOpenAlerts").WithSummary("Pending and firing alerts");
        alerts.MapGet("/history", (ClaimsPrincipal user, AlertAdministration service, int? take, CancellationToken ct) =>
                service.ListHistoryAsync(user, take ?? 100, ct))
            .WithName("ListPastAlerts").WithSummary("Resolved alerts, most recent first (take: 1 to 500, default 100)");
        alerts.MapPost("/evaluate", (ClaimsPrincipal user, AlertAdministration service, CancellationToken ct) => service.EvaluateNowAsync(user, ct))
            .RequireAuthorization(FerryRoles.Operator)
            .WithName("EvaluateAlerts").WithSummary("Run an evaluation round now (Operator); ran is false when another process is evaluating");

        var rules = alerts.MapGroup("/rules");
        rules.MapGet("/", (ClaimsPrincipal user, AlertAdministration service, CancellationToken ct) => service.ListRulesAsync(user, ct))
            .WithName("ListAlertRules");
        rules.MapPost("/", async (AlertRuleRequest request, ClaimsPrincipal user, AlertAdministration service, CancellationToken ct) =>
            {
                var rule = await service.CreateRuleAsync(user, request.ToInput(), ct);
                return TypedResults.Created($"/api/alerts/rules/{rule.Id}", rule);
            })
            .RequireAuthorization(FerryRoles.Admin).WithName("CreateAlertRule").WithSummary("Add a rule (Admin)");
        rules.MapPut("/{id:int}", (int id, AlertRuleRequest request, ClaimsPrincipal user, AlertAdministration service, CancellationToken ct) =>
                service.UpdateRuleAsync(user, id, request.ToInput(), ct))
            .RequireAuthorization(FerryRoles.Admin).WithName("UpdateAlertRule").WithSummary("Change a rule (Admin)");
        rules.MapDelete("/{id:int}", async (int id, ClaimsPrincipal user, AlertAdministration service, CancellationToken ct) =>
            {
                await service.DeleteRuleAsync(user, id, ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(FerryRoles.Admin).WithName("DeleteAlertRule").WithSummary("Delete a rule; its alerts stay as history (Admin)");

        alerts.MapGet("/channels", (ClaimsPrincipal user, AlertAdministration service, CancellationToken ct) => service.ListChannelsAsync(user, ct))
            .WithName("ListAlertChannels").WithSummary("Channels without their secrets (Viewer)");
        var channels = alerts.MapGroup("/channels").RequireAuthorization(FerryRoles.Admin);
        channels.MapPost("/", async (AlertChannelRequest request, ClaimsPrincipal user, AlertAdministration service, CancellationToken ct) =>
            {
                var channel = await service.CreateChannelAsync(user, request.ToInput(), ct);
                return TypedResults.Created($"/api/alerts/channels/{channel.Id}", channel);
            })
            .WithName("CreateAlertChannel").WithSummary("Add a webhook or e-mail channel (Admin)");
        channels.MapPut("/{id:int}", (int id, AlertChannelRequest request, ClaimsPrincipal user, AlertAdministration service, CancellationToken ct) =>
                service.UpdateChannelAsync(user, id, request.ToInput(), ct))
            .WithName("UpdateAlertChannel").WithSummary("Change a channel; an empty webhookUrl or smtpPassword keeps the stored one (Admin)");
        channels.MapDelete("/{id:int}", async (int id, ClaimsPrincipal user, AlertAdministration service, CancellationToken ct) =>
            {
                await service.DeleteChannelAsync(user, id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteAlertChannel");
        channels.MapPost("/{id:int}/test", async (int id, ClaimsPrincipal user, AlertAdministration service, CancellationToken ct) =>
            {
                await service.TestChannelAsync(user, id, ct);
                return TypedResults.NoContent();
            })
            .WithName("TestAlertChannel").WithSummary("Send a test notice through the channel now (Admin); 400 with the error when it fails");
        return api;
    }

    /// <summary>
    /// A rule as a script sends it: <c>kind</c> one of Lag, Error, Paused, NodeUnreachable, TickerStalled, PendingEvents,
    /// CompareDifferences; <c>threshold</c> in seconds (events for PendingEvents); <c>holdForSeconds</c> before it fires,
    /// <c>repeatEverySeconds</c> while it holds (0: never); <c>channelIds</c> empty: every enabled channel.
    /// </summary>
    internal sealed record AlertRuleRequest(
        string? Name, AlertKind? Kind, double? Threshold, double? HoldForSeconds, double? RepeatEverySeconds, bool? Enabled,
        IReadOnlyList<int>? ChannelIds)
    {
        public AlertRuleInput ToInput() => new(Name ?? "", Kind ?? AlertKind.Lag, Threshold ?? 0, HoldForSeconds ?? 0,
            RepeatEverySeconds ?? 3600, Enabled ?? true, ChannelIds);
    }

    /// <summary>
    /// A channel as a script sends it: <c>kind</c> Webhook (<c>webhookUrl</c>, <c>webhookFormat</c> Json, Slack or Teams) or
    /// Email (<c>smtpHost</c>, <c>smtpPort</c> 587, <c>smtpSecurity</c> Auto, None, StartTls or SslOnConnect, optional
    /// <c>smtpUserName</c>/<c>smtpPassword</c>, <c>mailFrom</c>, <c>mailTo</c>).
    /// </summary>
    internal sealed record AlertChannelRequest(
        string? Name, AlertChannelKind? Kind, bool? Enabled, string? WebhookUrl, WebhookFormat? WebhookFormat, string? SmtpHost,
        int? SmtpPort, SmtpSecurity? SmtpSecurity, string? SmtpUserName, string? SmtpPassword, string? MailFrom,
        IReadOnlyList<string>? MailTo)
    {
        public AlertChannelInput ToInput() => new(Name ?? "", Kind ?? AlertChannelKind.Webhook, Enabled ?? true, WebhookUrl,
            WebhookFormat ?? Engine.Control.WebhookFormat.Json, SmtpHost, SmtpPort ?? 587, SmtpSecurity ?? Engine.Control.SmtpSecurity.Auto,
            SmtpUserName, SmtpPassword, MailFrom, MailTo);
    }
}
