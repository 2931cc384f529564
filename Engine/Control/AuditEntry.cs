using System.Text.Json;

namespace Ferry.Engine.Control;

/// <summary>One change made through the portal or the API: who, when, what, before and after. Never updated or deleted.</summary>
public sealed class AuditEntry
{
    private static readonly JsonSerializerOptions SnapshotOptions = new(JsonSerializerDefaults.Web);

    /// <summary>A value as the JSON kept in <see cref="Before"/> or <see cref="After"/> (camelCase). Never pass a secret.</summary>
    public static JsonDocument Snapshot(object value) => JsonSerializer.SerializeToDocument(value, SnapshotOptions);

    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>The user name of who made the change (or <c>system</c> for Ferry's own jobs).</summary>
    public required string UserName { get; set; }

    /// <summary>A verb such as <c>create</c>, <c>update</c>, <c>delete</c>, <c>pause</c>, <c>resync</c>, <c>login</c>.</summary>
    public required string Action { get; set; }

    public required string EntityType { get; set; }

    public string? EntityId { get; set; }

    /// <summary>The entity as it was before the change (no secrets), or null.</summary>
    public JsonDocument? Before { get; set; }

    /// <summary>The entity as it is after the change (no secrets), or null.</summary>
    public JsonDocument? After { get; set; }
}
