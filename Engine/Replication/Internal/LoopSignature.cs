using Ferry.Engine.Control;

namespace Ferry.Engine.Replication.Internal;

/// <summary>What a subscription runner's loop was built from: per table rule id, the stored fields its rule comes from.</summary>
internal sealed class LoopSignature
{
    private readonly Dictionary<int, string> _tables;

    private LoopSignature(Dictionary<int, string> tables) => _tables = tables;

    public static LoopSignature Of(Subscription subscription) => new(subscription.Tables.ToDictionary(
        t => t.Id,
        t => $"{t.SourceSchema}|{t.SourceTable}|{t.TargetSchema}|{t.TargetTable}|{t.Filter}|{string.Join(',', t.KeyColumns)}"
            + $"|{t.HandlerName}"));

    /// <summary>
    /// Whether a loop built from this signature must be rebuilt for the subscription as it is <paramref name="now"/>. A
    /// removed or changed table rebuilds the loop at once (stop applying it). Added tables wait in state new until the running
    /// copies are done: rebuilding cancels copies, and a big table's copy would start over for every table added after it.
    /// </summary>
    public bool MustRebuild(LoopSignature now, bool copiesRunning) =>
        _tables.Any(b => !now._tables.TryGetValue(b.Key, out var line) || line != b.Value)
        || (now._tables.Count > _tables.Count && !copiesRunning);
}
