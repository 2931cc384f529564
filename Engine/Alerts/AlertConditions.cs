using System.Globalization;
using Ferry.Engine.Control;

namespace Ferry.Engine.Alerts;

/// <summary>Each rule kind's condition: what a round's <see cref="AlertFacts"/> say about every subject the kind applies to.</summary>
internal static class AlertConditions
{
    public static IEnumerable<AlertObservation> Observe(AlertRule rule, AlertFacts facts) => rule.Kind switch
    {
        AlertKind.Lag => facts.Subscriptions.Select(s => s.State != nameof(SubscriptionState.Active)
            ? Seen(s, false, s.LagSeconds, $"The subscription is {s.State.ToLowerInvariant()}.")
            : s.LagSeconds is not { } lag
                ? Seen(s, null, null, s.QueueError ?? "The lag could not be read.")
                : Seen(s, lag > rule.Threshold, lag, $"Lag {Seconds(lag)} (the rule fires above {Seconds(rule.Threshold)})."))
            .ToList(),
        AlertKind.PendingEvents => facts.Subscriptions.Select(s => s.PendingEvents is not { } pending
                ? Seen(s, null, null, s.QueueError ?? "The pending events could not be read.")
                : Seen(s, pending > rule.Threshold, pending,
                    $"{pending:N0} events pending (the rule fires above {rule.Threshold:N0})."))
            .ToList(),
        AlertKind.Error => facts.Subscriptions.Select(s =>
        {
            var failing = s.ErrorTables.Select(t => $"{t.Source}: {t.LastError}")
                .Append(s.ErrorTableCount > s.ErrorTables.Count ? $"and {s.ErrorTableCount - s.ErrorTables.Count} more tables" : null)
                .OfType<string>();
            var inError = s.State == nameof(SubscriptionState.Error);
            var message = inError || s.ErrorTableCount > 0
                ? string.Join(" ", new[] { inError ? $"The subscription stopped: {s.LastError}" : null,
                    s.ErrorTableCount > 0 ? $"{s.ErrorTableCount} table(s) in error: {string.Join("; ", failing)}." : null }.OfType<string>())
                : "No error.";
            return Seen(s, inError || s.ErrorTableCount > 0, s.ErrorTableCount, message);
        }).ToList(),
        AlertKind.Paused => facts.Subscriptions.Select(s =>
        {
            if (s.State != nameof(SubscriptionState.Paused) || !facts.PausedSince.TryGetValue(s.Id, out var since))
            {
                return Seen(s, false, null, $"The subscription is {s.State.ToLowerInvariant()}.");
            }
            var paused = (facts.Now - since).TotalSeconds;
            return Seen(s, paused > rule.Threshold, paused,
                $"Paused since {since.ToString("u", CultureInfo.InvariantCulture)} ({Seconds(paused)}); the root keeps its events meanwhile.");
        }).ToList(),
        AlertKind.NodeUnreachable => facts.Nodes.Select(n => new AlertObservation(
            $"node:{n.Id}", $"node {n.Name}", n.LastProbedAt is null ? null : n.LastProbeError is not null, null,
            n.LastProbeError is { } error
                ? $"Did not answer its probe at {n.LastProbedAt?.ToString("u", CultureInfo.InvariantCulture)}: {error}"
                : "Answered its last probe.")).ToList(),
        AlertKind.TickerStalled => facts.Loads.Select(l => new AlertObservation(
            $"set:{l.SetId}", $"set {l.Set}",
            l.Error is not null ? null : l.NewestTickAgeSeconds is { } age ? age > rule.Threshold : true,
            l.NewestTickAgeSeconds,
            l.Error ?? (l.NewestTickAgeSeconds is { } seconds
                ? $"The newest tick of queue on root {l.Root} is {Seconds(seconds)} old (the rule fires above {Seconds(rule.Threshold)}): "
                  + "is the set's ticker loop running (Jobs page)?"
                : "The queue has no tick."))).ToList(),
        AlertKind.CompareDifferences => facts.Compares.Select(c => new AlertObservation(
            $"table:{c.TableRuleId}", $"{c.Table} ({c.Subscription})", c.RowsDiffering > 0, c.RowsDiffering,
            c.RowsDiffering > 0
                ? $"The compare at {c.ComparedAt.ToString("u", CultureInfo.InvariantCulture)} found {c.RowsDiffering:N0} row(s) that differ."
                : $"The compare at {c.ComparedAt.ToString("u", CultureInfo.InvariantCulture)} found no difference.")).ToList(),
        _ => [],
    };

    /// <summary>Whether a rule of this kind needs the subscriptions, nodes, loads or compares read.</summary>
    public static bool NeedsSubscriptions(AlertKind kind) => kind is AlertKind.Lag or AlertKind.PendingEvents or AlertKind.Error or AlertKind.Paused;

    private static AlertObservation Seen(Replication.Status.SubscriptionSummary s, bool? holds, double? value, string message) =>
        new($"subscription:{s.Id}", $"{s.SetName} → {s.TargetNodeName}", holds, value, message);

    private static string Seconds(double seconds) => seconds switch
    {
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.#} s"),
        < 7200 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0.#} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0.#} h"),
    };
}
