using System.Diagnostics;
using Ferry.Engine.Control;
using Ferry.Engine.Monitoring;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication.Status;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ferry.Engine.Alerts;

/// <summary>
/// One round of alert evaluation (the recurring alert job calls <see cref="EvaluateAsync"/>): reads what the enabled rules need
/// once (subscriptions with lag and pending events, a fresh probe of every node, each set's queue load, the last compares),
/// moves every rule's alerts one step (<see cref="AlertTransitions"/>), stores them, then sends the notices.
/// </summary>
/// <remarks>
/// <para>
/// State lives in the control database (<see cref="Alert"/> rows), not in the process: any portal process may run the next
/// round. Rounds take turns on a session advisory lock in the control database (<c>pg_try_advisory_lock(0x66616c72, 0)</c>):
/// a round that finds it taken returns at once, so two processes never evaluate (and notify) at the same time.
/// </para>
/// <para>
/// Delivery is at least once: alerts are saved before the notices go out and marked delivered after, so a process that dies
/// in between sends the notice again at the next round. A notice no channel took is tried again every round (firing) or for
/// <see cref="AlertTransitions.ResolvedRetryWindow"/> (resolved). Figures that cannot be read (a root down) leave the alerts
/// that depend on them as they are.
/// </para>
/// </remarks>
public sealed class AlertEvaluator(
    IDbContextFactory<ControlDbContext> contexts, ReplicationStatusQuery status, SourceLoadQuery loads, NodeHealthProbe probe,
    AlertNotifier notifier, IOptions<AlertOptions> options, TimeProvider time, ILogger<AlertEvaluator> logger)
{
    private const int LockClass = 0x66616c72;

    /// <summary>Runs one round; returns what it did, or <see cref="AlertRound.Skipped"/> when another process is evaluating.</summary>
    public async Task<AlertRound> EvaluateAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var connection = (NpgsqlConnection)context.Database.GetDbConnection();
        if (!await LockAsync(connection, "pg_try_advisory_lock", cancellationToken).ConfigureAwait(false))
        {
            AlertLog.Busy(logger);
            return AlertRound.Skipped;
        }
        try
        {
            var round = await RunAsync(context, cancellationToken).ConfigureAwait(false);
            AlertLog.Evaluated(logger, round.Rules, round.Open, round.Notices, clock.Elapsed);
            return round;
        }
        finally
        {
            await LockAsync(connection, "pg_advisory_unlock", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<AlertRound> RunAsync(ControlDbContext context, CancellationToken cancellationToken)
    {
        var rules = await context.AlertRules.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);
        var enabled = rules.Where(r => r.Enabled).ToList();
        var facts = await ReadFactsAsync(context, enabled, cancellationToken).ConfigureAwait(false);
        var now = facts.Now;
        var retryFrom = now - AlertTransitions.ResolvedRetryWindow;
        var alerts = await context.Alerts
            .Where(a => a.Status != AlertStatus.Resolved || (!a.ResolvedNotified && a.ResolvedAt > retryFrom))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var notices = new List<(Alert Alert, AlertNoticeKind Kind, AlertRule? Rule)>();

        foreach (var rule in enabled)
        {
            var open = alerts.Where(a => a.RuleId == rule.Id && a.Status != AlertStatus.Resolved).ToDictionary(a => a.Subject, StringComparer.Ordinal);
            foreach (var seen in AlertConditions.Observe(rule, facts))
            {
                open.Remove(seen.Subject, out var existing);
                var (alert, notice) = AlertTransitions.Step(existing, seen, rule, now);
                Track(context, existing, alert, notices, notice, rule);
            }
            foreach (var gone in open.Values)
            {
                var (alert, notice) = AlertTransitions.End(gone, $"{gone.SubjectName} is gone (dropped or removed).", now);
                Track(context, gone, alert, notices, notice, rule);
            }
        }
        // Alerts whose rule was disabled or deleted end too.
        foreach (var orphan in alerts.Where(a => a.Status != AlertStatus.Resolved && !enabled.Any(r => r.Id == a.RuleId)).ToList())
        {
            var (alert, notice) = AlertTransitions.End(orphan,
                orphan.RuleId is null ? "Its rule was deleted." : "Its rule was disabled.", now);
            Track(context, orphan, alert, notices, notice, rules.SingleOrDefault(r => r.Id == orphan.RuleId));
        }
        foreach (var resolved in alerts.Where(a => AlertTransitions.ResolvedNoticeDue(a, now) && notices.All(n => n.Alert != a)))
        {
            notices.Add((resolved, AlertNoticeKind.Resolved, rules.SingleOrDefault(r => r.Id == resolved.RuleId)));
        }
        foreach (var (alert, kind, _) in notices)
        {
            AlertLog.Changed(logger, kind.ToString().ToLowerInvariant(), alert.RuleName, alert.SubjectName, alert.Message);
        }
        // Saved before sending: a process that dies after sending sends again (at least once), never loses a notice.
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);

        if (notices.Count > 0)
        {
            var channels = await context.AlertChannels.AsNoTracking().Where(c => c.Enabled).OrderBy(c => c.Id)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (alert, kind, rule) in notices)
            {
                await DeliverAsync(alert, kind, ChannelsOf(rule, channels), cancellationToken).ConfigureAwait(false);
            }
        }
        var forgetBefore = now - options.Value.HistoryKept;
        await context.Alerts.Where(a => a.Status == AlertStatus.Resolved && a.ResolvedAt < forgetBefore)
            .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await context.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        return new AlertRound(true, enabled.Count,
            context.ChangeTracker.Entries<Alert>().Count(e => e.Entity.Status != AlertStatus.Resolved), notices.Count);
    }

    private static void Track(
        ControlDbContext context, Alert? existing, Alert? alert, List<(Alert, AlertNoticeKind, AlertRule?)> notices, AlertNoticeKind? notice,
        AlertRule? rule)
    {
        if (existing is not null && alert is null)
        {
            context.Alerts.Remove(existing);
        }
        else if (existing is null && alert is not null)
        {
            context.Alerts.Add(alert);
        }
        if (alert is not null && notice is { } kind)
        {
            notices.Add((alert, kind, rule));
        }
    }

    /// <summary>The rule's channels among the enabled ones (all of them when the rule names none, or its rule is gone).</summary>
    private static List<AlertChannel> ChannelsOf(AlertRule? rule, List<AlertChannel> enabled) =>
        rule is null || rule.ChannelIds.Count == 0 ? enabled : [.. enabled.Where(c => rule.ChannelIds.Contains(c.Id))];

    private async Task DeliverAsync(Alert alert, AlertNoticeKind kind, List<AlertChannel> channels, CancellationToken cancellationToken)
    {
        var sentAt = time.GetUtcNow();
        var notice = new AlertNotice(alert.Id, kind, alert.RuleName, alert.Kind, alert.Subject, alert.SubjectName, alert.Message, alert.Value,
            alert.PendingSince, alert.FiredAt, alert.ResolvedAt, sentAt);
        if (channels.Count == 0)
        {
            alert.LastDeliveryError = "No enabled channel: an Admin adds one on the Alerts page.";
            return;
        }
        var result = await notifier.SendAsync(notice, channels, cancellationToken).ConfigureAwait(false);
        alert.LastDeliveryError = result.Failures.Count == 0 ? null : string.Join("; ", result.Failures);
        if (result.Delivered == 0)
        {
            return;
        }
        alert.Notifications++;
        if (kind == AlertNoticeKind.Resolved)
        {
            alert.ResolvedNotified = true;
        }
        else
        {
            alert.LastNotifiedAt = sentAt;
        }
    }

    private async Task<AlertFacts> ReadFactsAsync(
        ControlDbContext context, List<AlertRule> rules, CancellationToken cancellationToken)
    {
        var kinds = rules.Select(r => r.Kind).ToHashSet();
        IReadOnlyList<SubscriptionSummary> subscriptions = [];
        IReadOnlyDictionary<int, DateTimeOffset> pausedSince = new Dictionary<int, DateTimeOffset>();
        if (kinds.Any(AlertConditions.NeedsSubscriptions))
        {
            subscriptions = await status.GetSummariesAsync(MonitoringRefresher.Reader, cancellationToken).ConfigureAwait(false);
            var sets = await context.Sets.AsNoTracking().Include(s => s.Subscriptions).ToListAsync(cancellationToken).ConfigureAwait(false);
            pausedSince = await SourceLoadQuery.PausedSinceAsync(context, sets, cancellationToken).ConfigureAwait(false);
        }
        List<Node> nodes = [];
        if (kinds.Contains(AlertKind.NodeUnreachable))
        {
            // A fresh probe: the node health probe job runs every few minutes, alerts want to know now.
            await probe.ProbeAllAsync(cancellationToken).ConfigureAwait(false);
            nodes = await context.Nodes.AsNoTracking().OrderBy(n => n.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        }
        IReadOnlyList<SourceLoad> setLoads = [];
        if (kinds.Contains(AlertKind.TickerStalled))
        {
            setLoads = await loads.ReadAsync(null, cancellationToken).ConfigureAwait(false);
        }
        List<ComparedTable> compares = [];
        if (kinds.Contains(AlertKind.CompareDifferences))
        {
            compares = await (
                    from t in context.TableRules.AsNoTracking()
                    let r = context.CompareReports.Where(c => c.TableRuleId == t.Id && c.State == CompareState.Done)
                        .OrderByDescending(c => c.Id).FirstOrDefault()
                    where r != null
                    select new ComparedTable(t.Id, t.SourceSchema + "." + t.SourceTable,
                        t.Subscription!.Set!.Name + " → " + t.Subscription.TargetNode!.Name,
                        r.FinishedAt ?? r.StartedAt, r.Missing + r.Extra + r.Different))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
        }
        return new AlertFacts(time.GetUtcNow(), subscriptions, pausedSince, nodes, setLoads, compares);
    }

    private static async Task<bool> LockAsync(NpgsqlConnection connection, string function, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}($1, 0)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = LockClass });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
