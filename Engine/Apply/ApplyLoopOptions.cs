namespace Ferry.Engine.Apply;

/// <summary>Settings of an <see cref="ApplyLoop"/>.</summary>
public sealed class ApplyLoopOptions
{
    /// <summary>First wait after a transient error; doubles on each further one up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Wait when no batch is ready (until the queue's wake-up replaces it).</summary>
    public TimeSpan IdleDelay { get; set; } = TimeSpan.FromMilliseconds(200);
}
