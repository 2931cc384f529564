using Ferry.Engine.Control;
using Ferry.Engine.Target;

namespace Ferry.Engine.Replication.Internal;

/// <summary>What a subscription runner's loop was built from: per table rule id, the stored fields its rule comes from.</summary>
internal sealed class LoopSignature
{
    private readonly Dictionary<int, string> _tables;
    private readonly HashSet<int> _inError;
    private readonly string _sequences;

    private LoopSignature(Dictionary<int, string> tables, HashSet<int> inError, string sequences)
    {
        _tables = tables;
        _inError = inError;
        _sequences = sequences;
    }

    public static LoopSignature Of(Subscription subscription) => new(
        subscription.Tables.ToDictionary(
            t => t.Id,
            t => $"{t.SourceSchema}|{t.SourceTable}|{t.TargetSchema}|{t.TargetTable}|{t.Filter}|{string.Join(',', t.KeyColumns)}"
                + $"|{t.HandlerName}|{t.HandlerOptions}|{t.AddMissingColumns}|{t.OwnedRows}"),
        [.. subscription.Tables.Where(t => t.State == TableState.Error).Select(t => t.Id)],
        // Sequences travel with the ticks on queue v7: the loop carries the ones it was built with (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md).
        string.Join(';', subscription.Sequences.Select(s => $"{s.SourceSchema}|{s.SourceSequence}|{s.TargetSchema}|{s.TargetSequence}")
            .Order(StringComparer.Ordinal)));

    /// <summary>
    /// Whether a loop built from this signature must be rebuilt for the subscription as it is <paramref name="now"/>. A
    /// removed or changed table rebuilds the loop at once (stop applying it). Added tables wait in state new until the running
    /// copies are done: rebuilding cancels copies, and a big table's copy would start over for every table added after it.
    /// </summary>
    /// <remarks>
    /// A table that left state error since the loop was built, or since a call saw it in error (a retry or a resync), rebuilds
    /// it at once: its rule is built again, since the fix is usually on the target (docs/decisions/ADR-014-exact-row-encoding.md).
    /// A table entering error does not (its events are kept; the running copies of other tables go on); this signature
    /// remembers it, which is why it is called with every poll's <paramref name="now"/>.
    /// </remarks>
    public bool MustRebuild(LoopSignature now, bool copiesRunning)
    {
        var leftError = _inError.Any(id => now._tables.ContainsKey(id) && !now._inError.Contains(id));
        _inError.UnionWith(now._inError);
        return leftError
            || _sequences != now._sequences
            || _tables.Any(b => !now._tables.TryGetValue(b.Key, out var line) || line != b.Value)
            || (now._tables.Count > _tables.Count && !copiesRunning);
    }
}
