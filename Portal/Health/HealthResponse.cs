using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ferry.Portal.Health;

/// <summary>
/// Writes <c>/healthz</c> as JSON: the overall status, each check's status and each node's (Healthy or Unhealthy, from its
/// last probe). The endpoint is open to anyone, so why a check failed (an exception's text names hosts, ports, users) is
/// given to a signed-in caller only (portal cookie or bearer token, any role); for anyone else it goes to the log only: the
/// health check service logs an unhealthy check with its exception.
/// </summary>
internal static class HealthResponse
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var detailed = context.User.Identity?.IsAuthenticated == true;
        var body = new
        {
            status = report.Status.ToString(),
            durationMs = (int)report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => detailed
                    ? new CheckBody(e.Value.Status.ToString(), e.Value.Description, e.Value.Exception?.Message)
                    : new CheckBody(e.Value.Status.ToString(), null, null)),
            // One entry per node, Healthy or Unhealthy (its last probe), nothing more.
            nodes = report.Entries.TryGetValue(Monitoring.NodesHealthCheck.Name, out var nodes)
                ? nodes.Data.ToDictionary(n => n.Key, n => n.Value)
                : [],
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }

    private sealed record CheckBody(
        string Status,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        string? Description,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        string? Error);
}
