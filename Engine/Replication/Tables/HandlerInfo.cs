namespace Ferry.Engine.Replication.Tables;

/// <summary>A handler a table rule may name, as the picker and <c>GET /api/handlers</c> show it (docs/decisions/ADR-019-handlers.md).</summary>
/// <param name="Name">The name a rule stores.</param>
/// <param name="Description">One line: what it does with the table's changes.</param>
/// <param name="NeedsKey">Whether the table needs a key; false for handlers that only insert.</param>
/// <param name="Options">Its options: name, what it means, required.</param>
/// <param name="Loaded">True for a .NET handler loaded from <c>Handlers:Folder</c>.</param>
public sealed record HandlerInfo(string Name, string Description, bool NeedsKey, IReadOnlyList<HandlerOptionInfo> Options, bool Loaded = false);

/// <summary>One option of a handler.</summary>
public sealed record HandlerOptionInfo(string Name, string Description, bool Required);
