namespace Ferry.Engine.Control;

/// <summary>Which audit entries to read; every field is optional. Text fields match case-insensitively anywhere.</summary>
public sealed record AuditFilter(
    string? UserName = null, string? Action = null, string? EntityType = null, DateTimeOffset? From = null, DateTimeOffset? To = null);
