using Ferry.Engine.Copy;

namespace Ferry.Engine.Apply;

/// <summary>A batch as the apply loop sees it.</summary>
/// <param name="BatchId">The queue's batch id (what finishing a batch names).</param>
/// <param name="TickId">The tick that closes the batch; the target records it when the batch is applied.</param>
/// <param name="StartSnapshot">
/// The txid snapshot of the tick the batch starts from, when the source knows it; used to see when catching-up tables are
/// caught up (<see cref="CopyHandover.IsCaughtUp"/>). Null keeps such tables in catching-up, which is correct, only slower
/// to show as ok.
/// </param>
public sealed record Batch(long BatchId, long TickId, TxidSnapshot? StartSnapshot = null);
