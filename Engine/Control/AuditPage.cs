namespace Ferry.Engine.Control;

/// <summary>One page of audit entries, newest first, and how many match in all.</summary>
public sealed record AuditPage(IReadOnlyList<AuditRow> Items, int Total);
