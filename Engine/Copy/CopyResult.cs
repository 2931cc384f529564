using Ferry.Engine.Queue;

namespace Ferry.Engine.Copy;

/// <summary>A finished copy: rows copied, the source snapshot it saw, events replayed after it, and how long it took.</summary>
public sealed record CopyResult(string SourceTable, long Rows, TxidSnapshot Snapshot, int ReplayedEvents, TimeSpan Duration);
