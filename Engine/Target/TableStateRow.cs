using Ferry.Engine.Queue;

namespace Ferry.Engine.Target;

/// <summary>One table's state on the target, as <see cref="TargetStateStore"/> reads it.</summary>
public sealed record TableStateRow(
    string SourceTable, string TargetTable, TableState State, TxidSnapshot? CopySnapshot, long? RowsCopied, string? Error);
