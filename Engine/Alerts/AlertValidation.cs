using System.Globalization;
using Ferry.Engine.Control;
using MimeKit;

namespace Ferry.Engine.Alerts;

/// <summary>What an alert rule watches, in words, and the checks of rules and channels as an Admin writes them.</summary>
public static class AlertValidation
{
    /// <summary>What a rule of <paramref name="kind"/> with <paramref name="threshold"/> watches, in words.</summary>
    public static string Condition(AlertKind kind, double threshold) => kind switch
    {
        AlertKind.Lag => $"an active subscription's lag is above {Seconds(threshold)}",
        AlertKind.Error => "a subscription or one of its tables is in error",
        AlertKind.Paused => $"a subscription has been paused for more than {Seconds(threshold)}",
        AlertKind.NodeUnreachable => "a node does not answer its probe",
        AlertKind.TickerStalled => $"a set's newest tick is older than {Seconds(threshold)}",
        AlertKind.PendingEvents => $"a subscription has more than {threshold.ToString("N0", CultureInfo.InvariantCulture)} events pending",
        AlertKind.CompareDifferences => "a table's last compare found rows that differ",
        _ => kind.ToString(),
    };

    /// <summary>Whether <paramref name="kind"/> uses a threshold.</summary>
    public static bool HasThreshold(AlertKind kind) =>
        kind is AlertKind.Lag or AlertKind.Paused or AlertKind.TickerStalled or AlertKind.PendingEvents;

    /// <summary>Trims the rule, or refuses it with every problem found.</summary>
    public static AlertRuleInput Validate(AlertRuleInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        string?[] errors =
        [
            string.IsNullOrWhiteSpace(input.Name) ? "Enter a name for the rule."
                : input.Name.Trim().Length > 100 ? "The name is longer than 100 characters." : null,
            !Enum.IsDefined(input.Kind) ? $"Unknown kind '{input.Kind}'." : null,
            HasThreshold(input.Kind) && !(input.Threshold > 0) ? "Enter a threshold above 0 (seconds, or events for pending events)." : null,
            double.IsFinite(input.Threshold) ? null : "The threshold must be a number.",
            input.HoldForSeconds is < 0 or > 7 * 86_400 || !double.IsFinite(input.HoldForSeconds)
                ? "'Holds for' must be between 0 seconds and 7 days." : null,
            input.RepeatEverySeconds is < 0 or > 30 * 86_400 || !double.IsFinite(input.RepeatEverySeconds)
                ? "'Repeat every' must be between 0 (never) and 30 days." : null,
        ];
        Refuse(errors);
        return input with
        {
            Name = input.Name.Trim(),
            Threshold = HasThreshold(input.Kind) ? input.Threshold : 0,
            ChannelIds = [.. (input.ChannelIds ?? []).Distinct().Order()],
        };
    }

    /// <summary>Trims the channel, or refuses it with every problem found.</summary>
    public static AlertChannelInput Validate(AlertChannelInput input, bool creating, bool hasSecret)
    {
        ArgumentNullException.ThrowIfNull(input);
        var webhook = input.Kind == AlertChannelKind.Webhook;
        var url = input.WebhookUrl?.Trim();
        var to = (input.MailTo ?? []).Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        string?[] errors =
        [
            string.IsNullOrWhiteSpace(input.Name) ? "Enter a name for the channel."
                : input.Name.Trim().Length > 100 ? "The name is longer than 100 characters." : null,
            !Enum.IsDefined(input.Kind) ? $"Unknown channel kind '{input.Kind}'." : null,
            webhook && string.IsNullOrEmpty(url) && (creating || !hasSecret) ? "Enter the webhook's URL." : null,
            webhook && !string.IsNullOrEmpty(url) && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                ? "The webhook URL must be an absolute http:// or https:// address." : null,
            webhook && !Enum.IsDefined(input.WebhookFormat) ? $"Unknown webhook format '{input.WebhookFormat}'." : null,
            !webhook && string.IsNullOrWhiteSpace(input.SmtpHost) ? "Enter the SMTP server's host name." : null,
            !webhook && input.SmtpPort is < 1 or > 65535 ? "The SMTP port must be between 1 and 65535." : null,
            !webhook && !Enum.IsDefined(input.SmtpSecurity) ? $"Unknown SMTP security '{input.SmtpSecurity}'." : null,
            !webhook && !MailboxAddress.TryParse(input.MailFrom?.Trim() ?? "", out _) ? "Enter the sender's address (From)." : null,
            !webhook && to.Count == 0 ? "Enter at least one recipient." : null,
            !webhook && to.FirstOrDefault(t => !MailboxAddress.TryParse(t, out _)) is { } bad ? $"'{bad}' is not an e-mail address." : null,
        ];
        Refuse(errors);
        return input with
        {
            Name = input.Name.Trim(),
            WebhookUrl = string.IsNullOrEmpty(url) ? null : url,
            SmtpHost = input.SmtpHost?.Trim(),
            SmtpUserName = string.IsNullOrWhiteSpace(input.SmtpUserName) ? null : input.SmtpUserName.Trim(),
            MailFrom = input.MailFrom?.Trim(),
            MailTo = to,
        };
    }

    private static void Refuse(string?[] errors)
    {
        var found = errors.OfType<string>().ToList();
        if (found.Count > 0)
        {
            throw new RequestRefusedException(string.Join(" ", found));
        }
    }

    private static string Seconds(double seconds) => seconds switch
    {
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.#} s"),
        < 7200 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0.#} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0.#} h"),
    };
}
