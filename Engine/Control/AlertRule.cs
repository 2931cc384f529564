namespace Ferry.Engine.Control;

/// <summary>
/// A condition an Admin wants to hear about, evaluated every round of the alert job for each subject it applies to
/// (subscription, table, node or set): it fires once it has held for <see cref="HoldFor"/>, repeats every
/// <see cref="RepeatEvery"/> while it holds, and sends a resolved notice when it clears
/// (docs/decisions/ADR-015-alerts.md).
/// </summary>
public sealed class AlertRule : ITimestamped
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public AlertKind Kind { get; set; }

    /// <summary>Seconds (lag, paused, ticker) or events (pending); ignored by the kinds without a threshold.</summary>
    public double Threshold { get; set; }

    /// <summary>How long the condition must hold before the alert fires (zero: at the first round that sees it).</summary>
    public TimeSpan HoldFor { get; set; }

    /// <summary>How often a firing alert is sent again while it holds; zero: never again.</summary>
    public TimeSpan RepeatEvery { get; set; }

    public bool Enabled { get; set; } = true;

    /// <summary>The channels that receive this rule's notices; empty: every enabled channel.</summary>
    public List<int> ChannelIds { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
