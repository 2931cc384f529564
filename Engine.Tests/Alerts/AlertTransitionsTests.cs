using Ferry.Engine.Alerts;
using Ferry.Engine.Control;

namespace Ferry.Engine.Tests.Alerts;

/// <summary>
/// The alert state machine (docs/decisions/ADR-015-alerts.md) step by step: pending until it held for the rule's time, one
/// firing notice, repeats at the interval while it holds, one resolved notice; unknown figures change nothing; and the
/// checks of a rule as an Admin writes it.
/// </summary>
public sealed class AlertTransitionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static readonly AlertRule Rule = new()
    {
        Id = 4, Name = "Lag above 60 s", Kind = AlertKind.Lag, Threshold = 60, HoldFor = TimeSpan.FromMinutes(2),
        RepeatEvery = TimeSpan.FromMinutes(10),
    };

    private static AlertObservation Seen(bool? holds) => new("subscription:1", "seed → target1", holds, 90, "Lag 90 s");

    [Fact]
    public void Condition_FiresOnceAfterHoldFor_RepeatsAtTheInterval_AndResolvesOnce()
    {
        var (alert, notice) = AlertTransitions.Step(null, Seen(true), Rule, T0);
        Assert.Equal(AlertStatus.Pending, alert!.Status);
        Assert.Null(notice);

        (alert, notice) = AlertTransitions.Step(alert, Seen(true), Rule, T0.AddMinutes(1));
        Assert.Equal((AlertStatus.Pending, (AlertNoticeKind?)null), (alert!.Status, notice));

        (alert, notice) = AlertTransitions.Step(alert, Seen(true), Rule, T0.AddMinutes(2));
        Assert.Equal((AlertStatus.Firing, (AlertNoticeKind?)AlertNoticeKind.Firing), (alert!.Status, notice));
        Assert.Equal(T0.AddMinutes(2), alert.FiredAt);
        // Not delivered yet: the next round sends the firing notice again (at least once).
        (alert, notice) = AlertTransitions.Step(alert, Seen(true), Rule, T0.AddMinutes(3));
        Assert.Equal(AlertNoticeKind.Firing, notice);
        alert!.LastNotifiedAt = T0.AddMinutes(3);

        (alert, notice) = AlertTransitions.Step(alert, Seen(true), Rule, T0.AddMinutes(12));
        Assert.Null(notice);
        (alert, notice) = AlertTransitions.Step(alert, Seen(true), Rule, T0.AddMinutes(13));
        Assert.Equal(AlertNoticeKind.Repeat, notice);
        alert!.LastNotifiedAt = T0.AddMinutes(13);

        // Figures that cannot be read: nothing changes, no notice.
        (alert, notice) = AlertTransitions.Step(alert, Seen(null), Rule, T0.AddMinutes(30));
        Assert.Equal((AlertStatus.Firing, (AlertNoticeKind?)null), (alert!.Status, notice));

        (alert, notice) = AlertTransitions.Step(alert, Seen(false), Rule, T0.AddMinutes(31));
        Assert.Equal((AlertStatus.Resolved, (AlertNoticeKind?)AlertNoticeKind.Resolved), (alert!.Status, notice));
        Assert.Equal(T0.AddMinutes(31), alert.ResolvedAt);
        Assert.True(AlertTransitions.ResolvedNoticeDue(alert, T0.AddMinutes(32)));
        alert.ResolvedNotified = true;
        Assert.False(AlertTransitions.ResolvedNoticeDue(alert, T0.AddMinutes(33)));
    }

    [Fact]
    public void PendingThatClearsBeforeHoldFor_IsDropped_WithoutANotice()
    {
        var (alert, _) = AlertTransitions.Step(null, Seen(true), Rule, T0);
        var (after, notice) = AlertTransitions.Step(alert, Seen(false), Rule, T0.AddMinutes(1));
        Assert.Null(after);
        Assert.Null(notice);
        Assert.Equal((null, null), AlertTransitions.End(alert!, "the subscription was dropped", T0.AddMinutes(1)));
    }

    [Fact]
    public void RepeatEveryZero_NeverRepeats()
    {
        var rule = new AlertRule { Id = 5, Name = "once", Kind = AlertKind.Error, HoldFor = TimeSpan.Zero, RepeatEvery = TimeSpan.Zero };
        // Holds for zero: it fires at the first round that sees it.
        var (alert, notice) = AlertTransitions.Step(null, Seen(true), rule, T0);
        Assert.Equal((AlertStatus.Firing, (AlertNoticeKind?)AlertNoticeKind.Firing), (alert!.Status, notice));
        alert.LastNotifiedAt = T0;
        (_, notice) = AlertTransitions.Step(alert, Seen(true), rule, T0.AddDays(3));
        Assert.Null(notice);
    }

    [Fact]
    public void Validate_RefusesARuleWithEveryProblem_AndTrimsAGoodOne()
    {
        var refused = Assert.Throws<RequestRefusedException>(() =>
            AlertValidation.Validate(new AlertRuleInput(" ", AlertKind.Lag, 0, -1, 31 * 86_400, true, null)));
        Assert.Contains("Enter a name for the rule.", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Enter a threshold above 0", refused.Message, StringComparison.Ordinal);
        Assert.Contains("'Holds for' must be between", refused.Message, StringComparison.Ordinal);
        Assert.Contains("'Repeat every' must be between", refused.Message, StringComparison.Ordinal);

        var clean = AlertValidation.Validate(new AlertRuleInput(" errors ", AlertKind.Error, 12, 0, 3600, true, [3, 1, 3]));
        Assert.Equal(("errors", 0d), (clean.Name, clean.Threshold));
        Assert.Equal([1, 3], clean.ChannelIds);
        Assert.Equal("a set's newest tick is older than 2 min", AlertValidation.Condition(AlertKind.TickerStalled, 120));
    }
}
