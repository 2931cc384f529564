namespace Ferry.Engine.Queue;

/// <summary>
/// A queue's ticker, rotation and retry settings (columns of <c>ferry.queue</c>). When written, a null member keeps
/// the stored value.
/// </summary>
/// <param name="TickerMaxCount">Tick as soon as this many events were written since the last tick. Default 500.</param>
/// <param name="TickerMaxLag">Tick when events are pending and this long has passed since the last tick. Default 200 ms.</param>
/// <param name="TickerIdlePeriod">Tick after this long without a tick even with no events. Default 10 s.</param>
/// <param name="RotationPeriod">How long an event table stays current before rotation switches to the next. Default 2 h.</param>
/// <param name="RetryDelay">How long a retried event waits before it is delivered again. Default 30 s.</param>
/// <param name="TickerPaused">While true the ticker makes no tick (schema version 2). Default false.</param>
public sealed record QueueSettings(
    int? TickerMaxCount = null,
    TimeSpan? TickerMaxLag = null,
    TimeSpan? TickerIdlePeriod = null,
    TimeSpan? RotationPeriod = null,
    TimeSpan? RetryDelay = null,
    bool? TickerPaused = null);
