using Ferry.Engine.Control;

namespace Ferry.Engine.Alerts;

/// <summary>A rule as an Admin writes it; durations in seconds.</summary>
public sealed record AlertRuleInput(
    string Name, AlertKind Kind, double Threshold, double HoldForSeconds, double RepeatEverySeconds, bool Enabled,
    IReadOnlyList<int>? ChannelIds);
