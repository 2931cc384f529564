using Ferry.Engine.Control;

namespace Ferry.Engine.Alerts;

/// <summary>
/// The alert state machine, one step per round and subject (docs/decisions/ADR-015-alerts.md): no alert → pending
/// when the condition starts to hold; pending → firing (notice) once it has held for the rule's <c>HoldFor</c>, or gone when it
/// clears before; firing → a repeat notice every <c>RepeatEvery</c> while it holds (and the first notice again while none was
/// delivered); firing → resolved (notice) when it clears. An unknown observation changes nothing.
/// </summary>
public static class AlertTransitions
{
    /// <summary>How long a resolved notice that no channel took is tried again.</summary>
    public static readonly TimeSpan ResolvedRetryWindow = TimeSpan.FromHours(1);

    /// <summary>
    /// Moves <paramref name="open"/> (the subject's pending or firing alert, or null) by what this round saw. Returns the alert to
    /// keep (a new one to add, the same one changed, or null when a pending alert cleared and must be removed) and the notice to
    /// send, if any.
    /// </summary>
    public static (Alert? Alert, AlertNoticeKind? Notice) Step(Alert? open, AlertObservation seen, AlertRule rule, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(seen);
        ArgumentNullException.ThrowIfNull(rule);
        if (seen.Holds is null)
        {
            return (open, open is { Status: AlertStatus.Firing, LastNotifiedAt: null } ? AlertNoticeKind.Firing : null);
        }
        if (open is null)
        {
            if (seen.Holds == false)
            {
                return (null, null);
            }
            open = new Alert
            {
                RuleId = rule.Id,
                RuleName = rule.Name,
                Kind = rule.Kind,
                Subject = seen.Subject,
                SubjectName = seen.SubjectName,
                Status = AlertStatus.Pending,
                Message = seen.Message,
                Value = seen.Value,
                PendingSince = now,
            };
        }
        if (seen.Holds == false)
        {
            if (open.Status == AlertStatus.Pending)
            {
                return (null, null);
            }
            open.Status = AlertStatus.Resolved;
            open.ResolvedAt = now;
            open.Message = seen.Message;
            open.Value = seen.Value;
            return (open, AlertNoticeKind.Resolved);
        }
        open.Message = seen.Message;
        open.Value = seen.Value;
        open.SubjectName = seen.SubjectName;
        open.RuleName = rule.Name;
        if (open.Status == AlertStatus.Pending)
        {
            if (now - open.PendingSince < rule.HoldFor)
            {
                return (open, null);
            }
            open.Status = AlertStatus.Firing;
            open.FiredAt = now;
            return (open, AlertNoticeKind.Firing);
        }
        if (open.LastNotifiedAt is null)
        {
            return (open, AlertNoticeKind.Firing);
        }
        return rule.RepeatEvery > TimeSpan.Zero && now - open.LastNotifiedAt.Value >= rule.RepeatEvery
            ? (open, AlertNoticeKind.Repeat)
            : (open, null);
    }

    /// <summary>
    /// Ends an open alert whose subject is gone, or whose rule was disabled or deleted: a pending one is removed (null), a firing
    /// one resolves with <paramref name="why"/> and a resolved notice.
    /// </summary>
    public static (Alert? Alert, AlertNoticeKind? Notice) End(Alert open, string why, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(open);
        if (open.Status != AlertStatus.Firing)
        {
            return (null, null);
        }
        open.Status = AlertStatus.Resolved;
        open.ResolvedAt = now;
        open.Message = why;
        return (open, AlertNoticeKind.Resolved);
    }

    /// <summary>A resolved alert whose notice no channel took yet, within <see cref="ResolvedRetryWindow"/>.</summary>
    public static bool ResolvedNoticeDue(Alert alert, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert is { Status: AlertStatus.Resolved, ResolvedNotified: false, ResolvedAt: { } at } && now - at < ResolvedRetryWindow;
    }
}
