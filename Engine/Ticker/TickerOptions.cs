namespace Ferry.Engine.Ticker;

/// <summary>
/// How the ticker loop runs. When a tick is due is decided per queue in the database (see
/// <see cref="Queue.QueueSettings"/>); this only sets how often the loop asks.
/// </summary>
public sealed record TickerOptions
{
    /// <summary>Pause between two calls of <c>ferry.ticker</c>: added to the queue's max lag in the worst case. Default 100 ms.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Pause before asking again for the ticker lock while another process holds it. Default 5 s.</summary>
    public TimeSpan LockRetryInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Pause after a failure (lost connection, database restart) before reconnecting. Default 5 s.</summary>
    public TimeSpan ErrorDelay { get; init; } = TimeSpan.FromSeconds(5);
}
