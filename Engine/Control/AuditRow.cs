namespace Ferry.Engine.Control;

/// <summary>One audit entry for display, with before/after as JSON text.</summary>
public sealed record AuditRow(long Id, DateTimeOffset At, string UserName, string Action, string EntityType, string? EntityId, string? Before, string? After);
