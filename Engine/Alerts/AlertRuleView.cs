using Ferry.Engine.Control;

namespace Ferry.Engine.Alerts;

/// <summary>A rule as the portal and <c>/api</c> show it, with what its threshold means.</summary>
public sealed record AlertRuleView(
    int Id, string Name, AlertKind Kind, double Threshold, double HoldForSeconds, double RepeatEverySeconds, bool Enabled,
    IReadOnlyList<int> ChannelIds, string Condition);
