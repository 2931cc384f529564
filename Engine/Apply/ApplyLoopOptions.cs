namespace Ferry.Engine.Apply;

/// <summary>Settings of an <see cref="ApplyLoop"/>.</summary>
public sealed class ApplyLoopOptions
{
    /// <summary>First wait after a transient error; doubles on each further one up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest wait when no batch is ready; a batch source that hears ticks (the queue's) returns at the tick.</summary>
    public TimeSpan IdleDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Called on each transient error, before the retry (the runner counts them for /metrics).</summary>
    public Action? TransientError { get; set; }

    /// <summary>Where every error and every pass after errors is reported (the error history); null: nowhere.</summary>
    public IApplyErrorJournal? Errors { get; set; }
}
