using System.Security.Claims;
using System.Text.Json;

namespace Ferry.Engine.Control;

/// <summary>Adds audit entries to a context; the caller saves them in the same transaction as the change.</summary>
public static class Audit
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Adds one entry for <paramref name="user"/>; <paramref name="before"/> and <paramref name="after"/> must hold no secret.</summary>
    public static void Add(
        ControlDbContext context, ClaimsPrincipal user, DateTimeOffset at, string action, string entityType, string? entityId,
        object? before, object? after) =>
        context.AuditEntries.Add(new AuditEntry
        {
            At = at,
            UserName = user.Identity?.Name ?? "anonymous",
            Action = action,
            EntityType = entityType,
            EntityId = entityId,
            Before = before is null ? null : JsonSerializer.SerializeToDocument(before, Json),
            After = after is null ? null : JsonSerializer.SerializeToDocument(after, Json),
        });
}
