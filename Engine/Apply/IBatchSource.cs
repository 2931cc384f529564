using Ferry.Engine.Consumers;

namespace Ferry.Engine.Apply;

/// <summary>
/// Where an apply loop gets its batches: the queue's consumer for one subscription. The loop calls
/// <see cref="NextBatchAsync"/>, reads the batch's events, applies them in one target transaction that records
/// <see cref="Batch.TickId"/>, then calls <see cref="FinishBatchAsync"/>. After a crash between the target commit and the
/// finish, the same batch comes again and is finished without being read.
/// </summary>
public interface IBatchSource
{
    /// <summary>The consumer's next batch, or null when no tick closes one yet (the loop waits and asks again).</summary>
    Task<Batch?> NextBatchAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The batch's events in event id order. <paramref name="filters"/> maps a source table (as events name it) to its row
    /// filter, a SQL boolean expression over that table's row; the source evaluates it for each insert and update and returns
    /// the verdict as <see cref="ApplyEvent.InFilter"/> (true for tables without a filter). Events of other tables may be
    /// returned or left out.
    /// </summary>
    IAsyncEnumerable<ApplyEvent> ReadEventsAsync(
        Batch batch, IReadOnlyDictionary<string, string> filters, CancellationToken cancellationToken);

    /// <summary>
    /// The row filter's verdicts for kept events, computed again as <see cref="ReadEventsAsync"/> does: a table whose rule
    /// stopped validating has no filter in the loop, so its events were kept without a verdict until the retry replays them
    /// (docs/decisions/ADR-014-exact-row-encoding.md). The default keeps the verdicts they were kept with.
    /// </summary>
    Task<IReadOnlyList<ApplyEvent>> JudgeAsync(
        IReadOnlyList<ApplyEvent> events, IReadOnlyDictionary<string, string> filters, CancellationToken cancellationToken) =>
        Task.FromResult(events);

    /// <summary>
    /// Waits until a batch may be ready (the queue made a tick) or <paramref name="timeout"/> passes; the loop calls it when
    /// <see cref="NextBatchAsync"/> found none. The default just waits the timeout.
    /// </summary>
    Task WaitForBatchAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.Delay(timeout, cancellationToken);

    /// <summary>Marks the batch done, so the consumer's next batch starts at its tick. Must accept a batch finished before.</summary>
    Task FinishBatchAsync(Batch batch, CancellationToken cancellationToken);
}
