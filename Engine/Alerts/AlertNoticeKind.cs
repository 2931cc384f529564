namespace Ferry.Engine.Alerts;

/// <summary>Which notice an <see cref="AlertNotice"/> is.</summary>
public enum AlertNoticeKind
{
    Firing,
    Repeat,
    Resolved,
}
