using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ferry.Portal.Health;

/// <summary>Writes <c>/healthz</c> as JSON: overall status and one entry per check (no connection strings).</summary>
internal static class HealthResponse
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            durationMs = (int)report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
            // One entry per node, Healthy or Unhealthy (its last probe), nothing more.
            nodes = report.Entries.TryGetValue(Monitoring.NodesHealthCheck.Name, out var nodes)
                ? nodes.Data.ToDictionary(n => n.Key, n => n.Value)
                : [],
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
