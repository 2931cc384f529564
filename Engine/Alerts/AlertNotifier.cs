using System.Net.Http.Headers;
using System.Text;
using Ferry.Engine.Control;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;


namespace Ferry.Engine.Alerts;

/// <summary>
/// Delivers notices to channels: a webhook POST (<see cref="WebhookFormat"/>) through <see cref="IHttpClientFactory"/>, or an
/// e-mail over SMTP with MailKit. Each channel is tried once per notice with <see cref="AlertOptions.DeliveryTimeout"/>; a
/// failure is logged and reported (channel name and message, never a URL or password).
/// </summary>
public sealed class AlertNotifier(
    IHttpClientFactory http, AlertSecretProtector secrets, IOptions<AlertOptions> options, ILogger<AlertNotifier> logger)
{
    /// <summary>The named HTTP client webhooks are posted with.</summary>
    public const string HttpClientName = "ferry-alerts";

    /// <summary>Sends <paramref name="notice"/> to each channel; returns the channels that took it and the failures.</summary>
    public async Task<DeliveryResult> SendAsync(AlertNotice notice, IReadOnlyList<AlertChannel> channels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channels);
        var delivered = 0;
        var failures = new List<string>();
        foreach (var channel in channels)
        {
            var error = await TrySendAsync(notice, channel, cancellationToken).ConfigureAwait(false);
            if (error is null)
            {
                delivered++;
            }
            else
            {
                failures.Add($"{channel.Name}: {error}");
            }
        }
        return new DeliveryResult(delivered, failures);
    }

    /// <summary>Sends one notice to one channel; null when it went through, else why not.</summary>
    public async Task<string?> TrySendAsync(AlertNotice notice, AlertChannel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(channel);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.DeliveryTimeout);
        try
        {
            if (channel.Kind == AlertChannelKind.Webhook)
            {
                await PostAsync(notice, channel, timeout.Token).ConfigureAwait(false);
            }
            else
            {
                await MailAsync(notice, channel, timeout.Token).ConfigureAwait(false);
            }
            AlertLog.Delivered(logger, notice.Title, channel.Name);
            return null;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is HttpRequestException or OperationCanceledException
                                      or IOException or SmtpCommandException or SmtpProtocolException or AuthenticationException
                                      or ServiceNotConnectedException or ServiceNotAuthenticatedException or SslHandshakeException
                                      or System.Net.Sockets.SocketException or InvalidOperationException or FormatException
                                      or ParseException or System.Security.Cryptography.CryptographicException)
        {
            var why = e is OperationCanceledException ? $"no answer within {options.Value.DeliveryTimeout.TotalSeconds:0} s" : e.Message;
            AlertLog.DeliveryFailed(logger, notice.Title, channel.Name, why);
            return why;
        }
    }

    private async Task PostAsync(AlertNotice notice, AlertChannel channel, CancellationToken cancellationToken)
    {
        var url = secrets.Unprotect(channel.ProtectedWebhookUrl) ?? throw new InvalidOperationException("The channel has no URL.");
        using var content = new StringContent(AlertMessages.WebhookBody(notice, channel.WebhookFormat), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var client = http.CreateClient(HttpClientName);
        using var response = await client.PostAsync(new Uri(url), content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // The status only: the URL (a credential for Slack and Teams) stays out of messages.
            throw new HttpRequestException($"the webhook answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }
    }

    private async Task MailAsync(AlertNotice notice, AlertChannel channel, CancellationToken cancellationToken)
    {
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(channel.MailFrom ?? throw new InvalidOperationException("The channel has no sender.")));
        foreach (var to in channel.MailTo)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }
        message.Subject = AlertMessages.MailSubject(notice);
        message.Body = new TextPart("plain") { Text = AlertMessages.MailText(notice) };
        using var smtp = new SmtpClient { Timeout = (int)options.Value.DeliveryTimeout.TotalMilliseconds };
        await smtp.ConnectAsync(channel.SmtpHost ?? throw new InvalidOperationException("The channel has no SMTP host."), channel.SmtpPort, channel.SmtpSecurity switch
        {
            SmtpSecurity.None => SecureSocketOptions.None,
            SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
            SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTlsWhenAvailable,
        }, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(channel.SmtpUserName))
        {
            await smtp.AuthenticateAsync(channel.SmtpUserName, secrets.Unprotect(channel.ProtectedSmtpPassword) ?? "", cancellationToken)
                .ConfigureAwait(false);
        }
        await smtp.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await smtp.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
    }
}
