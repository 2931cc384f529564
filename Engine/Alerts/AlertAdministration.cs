using System.Globalization;
using System.Security.Claims;
using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ferry.Engine.Alerts;

/// <summary>
/// Alerts for the portal and <c>/api</c>: every role reads the alerts (open and past), the rules and the channels (without
/// their secrets); Admins change rules and channels (audited, channel secrets never in the audit trail nor shown back) and
/// send a test notice; Operators run an evaluation round now.
/// </summary>
public sealed class AlertAdministration(
    IDbContextFactory<ControlDbContext> contexts, AlertSecretProtector secrets, AlertNotifier notifier, AlertEvaluator evaluator,
    TimeProvider time)
{
    /// <summary>Past alerts a list shows at most.</summary>
    public const int MaxHistory = 500;

    /// <summary>Open alerts (pending and firing), newest first.</summary>
    public async Task<IReadOnlyList<AlertView>> ListOpenAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await context.Alerts.AsNoTracking().Where(a => a.Status != AlertStatus.Resolved)
            .OrderByDescending(a => a.Status == AlertStatus.Firing).ThenByDescending(a => a.PendingSince).ThenByDescending(a => a.Id)
            .Select(AlertToView).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Resolved alerts, most recent first, at most <paramref name="take"/> (1 to <see cref="MaxHistory"/>).</summary>
    public async Task<IReadOnlyList<AlertView>> ListHistoryAsync(ClaimsPrincipal user, int take, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        if (take is < 1 or > MaxHistory)
        {
            throw new RequestRefusedException($"take must be between 1 and {MaxHistory}, got {take}.");
        }
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await context.Alerts.AsNoTracking().Where(a => a.Status == AlertStatus.Resolved)
            .OrderByDescending(a => a.ResolvedAt).ThenByDescending(a => a.Id).Take(take)
            .Select(AlertToView).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AlertRuleView>> ListRulesAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var rules = await context.AlertRules.AsNoTracking().OrderBy(r => r.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rules.Select(ToView)];
    }

    public async Task<AlertRuleView> CreateRuleAsync(ClaimsPrincipal user, AlertRuleInput input, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Admin);
        var clean = AlertValidation.Validate(input);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await CheckRuleAsync(context, clean, null, cancellationToken).ConfigureAwait(false);
        var rule = new AlertRule { Name = clean.Name };
        Apply(rule, clean);
        context.AlertRules.Add(rule);
        await SaveAsync(context, cancellationToken).ConfigureAwait(false);
        Audit.Add(context, user, time.GetUtcNow(), "create", nameof(AlertRule), Id(rule.Id), null, ToView(rule));
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return ToView(rule);
    }

    public async Task<AlertRuleView> UpdateRuleAsync(ClaimsPrincipal user, int id, AlertRuleInput input, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Admin);
        var clean = AlertValidation.Validate(input);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var rule = await FindRuleAsync(context, id, cancellationToken).ConfigureAwait(false);
        await CheckRuleAsync(context, clean, id, cancellationToken).ConfigureAwait(false);
        var before = ToView(rule);
        Apply(rule, clean);
        Audit.Add(context, user, time.GetUtcNow(), "update", nameof(AlertRule), Id(id), before, ToView(rule));
        await SaveAsync(context, cancellationToken).ConfigureAwait(false);
        return ToView(rule);
    }

    /// <summary>Deletes a rule; its alerts stay as history (a firing one resolves at the next round).</summary>
    public async Task DeleteRuleAsync(ClaimsPrincipal user, int id, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Admin);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var rule = await FindRuleAsync(context, id, cancellationToken).ConfigureAwait(false);
        context.AlertRules.Remove(rule);
        Audit.Add(context, user, time.GetUtcNow(), "delete", nameof(AlertRule), Id(id), ToView(rule), null);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AlertChannelView>> ListChannelsAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var channels = await context.AlertChannels.AsNoTracking().OrderBy(c => c.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. channels.Select(ToView)];
    }

    public async Task<AlertChannelView> CreateChannelAsync(ClaimsPrincipal user, AlertChannelInput input, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Admin);
        var clean = AlertValidation.Validate(input, creating: true, hasSecret: false);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await CheckChannelNameAsync(context, clean.Name, null, cancellationToken).ConfigureAwait(false);
        var channel = new AlertChannel { Name = clean.Name };
        Apply(channel, clean);
        context.AlertChannels.Add(channel);
        await SaveAsync(context, cancellationToken).ConfigureAwait(false);
        Audit.Add(context, user, time.GetUtcNow(), "create", nameof(AlertChannel), Id(channel.Id), null, ToView(channel));
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return ToView(channel);
    }

    public async Task<AlertChannelView> UpdateChannelAsync(
        ClaimsPrincipal user, int id, AlertChannelInput input, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Admin);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var channel = await FindChannelAsync(context, id, cancellationToken).ConfigureAwait(false);
        var clean = AlertValidation.Validate(input, creating: false, hasSecret: channel.Kind == input.Kind && channel.ProtectedWebhookUrl is not null);
        await CheckChannelNameAsync(context, clean.Name, id, cancellationToken).ConfigureAwait(false);
        var before = ToView(channel);
        Apply(channel, clean);
        Audit.Add(context, user, time.GetUtcNow(), "update", nameof(AlertChannel), Id(id), before, ToView(channel));
        await SaveAsync(context, cancellationToken).ConfigureAwait(false);
        return ToView(channel);
    }

    public async Task DeleteChannelAsync(ClaimsPrincipal user, int id, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Admin);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var channel = await FindChannelAsync(context, id, cancellationToken).ConfigureAwait(false);
        context.AlertChannels.Remove(channel);
        Audit.Add(context, user, time.GetUtcNow(), "delete", nameof(AlertChannel), Id(id), ToView(channel), null);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a test notice through the channel now (enabled or not); refused with the channel's error when it fails.</summary>
    public async Task TestChannelAsync(ClaimsPrincipal user, int id, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Admin);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var channel = await FindChannelAsync(context, id, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var notice = new AlertNotice(0, AlertNoticeKind.Firing, "Test notice", AlertKind.Error, "test", $"channel {channel.Name}",
            $"{user.Identity?.Name} sent this from the Alerts page to check the channel. Nothing is wrong.", null, now, now, null, now);
        Audit.Add(context, user, now, "test", nameof(AlertChannel), Id(id), null, null);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        if (await notifier.TrySendAsync(notice, channel, cancellationToken).ConfigureAwait(false) is { } error)
        {
            throw new RequestRefusedException($"The test notice did not reach channel '{channel.Name}': {error}");
        }
    }

    /// <summary>Runs an evaluation round now (as the recurring job does).</summary>
    public async Task<AlertRound> EvaluateNowAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        return await evaluator.EvaluateAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task CheckRuleAsync(ControlDbContext context, AlertRuleInput input, int? exceptId, CancellationToken cancellationToken)
    {
        if (await context.AlertRules.AnyAsync(r => r.Name == input.Name && r.Id != exceptId, cancellationToken).ConfigureAwait(false))
        {
            throw new RequestRefusedException($"A rule named '{input.Name}' already exists; choose another name.", isConflict: true);
        }
        var ids = input.ChannelIds ?? [];
        var known = await context.AlertChannels.Where(c => ids.Contains(c.Id)).Select(c => c.Id).ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        if (ids.Except(known).ToList() is { Count: > 0 } unknown)
        {
            throw new RequestRefusedException($"There is no channel with id {string.Join(", ", unknown)}.");
        }
    }

    private static async Task CheckChannelNameAsync(ControlDbContext context, string name, int? exceptId, CancellationToken cancellationToken)
    {
        if (await context.AlertChannels.AnyAsync(c => c.Name == name && c.Id != exceptId, cancellationToken).ConfigureAwait(false))
        {
            throw new RequestRefusedException($"A channel named '{name}' already exists; choose another name.", isConflict: true);
        }
    }

    private static void Apply(AlertRule rule, AlertRuleInput input)
    {
        rule.Name = input.Name;
        rule.Kind = input.Kind;
        rule.Threshold = input.Threshold;
        rule.HoldFor = TimeSpan.FromSeconds(input.HoldForSeconds);
        rule.RepeatEvery = TimeSpan.FromSeconds(input.RepeatEverySeconds);
        rule.Enabled = input.Enabled;
        rule.ChannelIds = [.. input.ChannelIds ?? []];
    }

    private void Apply(AlertChannel channel, AlertChannelInput input)
    {
        if (channel.Kind != input.Kind)
        {
            channel.ProtectedWebhookUrl = null;
            channel.ProtectedSmtpPassword = null;
        }
        channel.Name = input.Name;
        channel.Kind = input.Kind;
        channel.Enabled = input.Enabled;
        if (input.Kind == AlertChannelKind.Webhook)
        {
            channel.WebhookFormat = input.WebhookFormat;
            if (input.WebhookUrl is { } url)
            {
                channel.ProtectedWebhookUrl = secrets.Protect(url);
            }
            channel.SmtpHost = channel.SmtpUserName = channel.MailFrom = channel.ProtectedSmtpPassword = null;
            channel.MailTo = [];
            return;
        }
        channel.ProtectedWebhookUrl = null;
        channel.SmtpHost = input.SmtpHost;
        channel.SmtpPort = input.SmtpPort;
        channel.SmtpSecurity = input.SmtpSecurity;
        channel.SmtpUserName = input.SmtpUserName;
        if (input.SmtpUserName is null)
        {
            channel.ProtectedSmtpPassword = null;
        }
        else if (!string.IsNullOrEmpty(input.SmtpPassword))
        {
            channel.ProtectedSmtpPassword = secrets.Protect(input.SmtpPassword);
        }
        channel.MailFrom = input.MailFrom;
        channel.MailTo = [.. input.MailTo ?? []];
    }

    private static async Task SaveAsync(ControlDbContext context, CancellationToken cancellationToken)
    {
        try
        {
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new RequestRefusedException("That name was just taken by another change; choose another name.", isConflict: true);
        }
    }

    private static async Task<AlertRule> FindRuleAsync(ControlDbContext context, int id, CancellationToken cancellationToken) =>
        await context.AlertRules.SingleOrDefaultAsync(r => r.Id == id, cancellationToken).ConfigureAwait(false)
        ?? throw new EntityNotFoundException($"There is no alert rule {id}.");

    private static async Task<AlertChannel> FindChannelAsync(ControlDbContext context, int id, CancellationToken cancellationToken) =>
        await context.AlertChannels.SingleOrDefaultAsync(c => c.Id == id, cancellationToken).ConfigureAwait(false)
        ?? throw new EntityNotFoundException($"There is no alert channel {id}.");

    private static AlertRuleView ToView(AlertRule r) => new(r.Id, r.Name, r.Kind, r.Threshold, r.HoldFor.TotalSeconds,
        r.RepeatEvery.TotalSeconds, r.Enabled, [.. r.ChannelIds], AlertValidation.Condition(r.Kind, r.Threshold));

    private AlertChannelView ToView(AlertChannel c) => new(c.Id, c.Name, c.Kind, c.Enabled, WebhookTarget(c), c.WebhookFormat,
        c.SmtpHost, c.SmtpPort, c.SmtpSecurity, c.SmtpUserName, c.ProtectedSmtpPassword is not null, c.MailFrom, [.. c.MailTo]);

    /// <summary>The webhook's scheme and host only: for Slack and Teams the rest of the URL is the credential.</summary>
    private string? WebhookTarget(AlertChannel channel)
    {
        if (channel.ProtectedWebhookUrl is null)
        {
            return null;
        }
        try
        {
            return Uri.TryCreate(secrets.Unprotect(channel.ProtectedWebhookUrl), UriKind.Absolute, out var uri)
                ? $"{uri.Scheme}://{uri.Authority}/…"
                : "(stored)";
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return "(cannot be decrypted: enter the URL again)";
        }
    }

    private static readonly System.Linq.Expressions.Expression<Func<Alert, AlertView>> AlertToView = a => new AlertView(
        a.Id, a.RuleId, a.RuleName, a.Kind, a.Subject, a.SubjectName, a.Status, a.Message, a.Value, a.PendingSince, a.FiredAt,
        a.LastNotifiedAt, a.ResolvedAt, a.Notifications, a.LastDeliveryError);

    private static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);
}
