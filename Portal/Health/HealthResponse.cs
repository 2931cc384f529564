using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ferry.Portal.Health;

/// <summary>
/// Writes <c>/healthz</c> as JSON: the overall status and each check's status, nothing else. The endpoint is open to
/// anyone, so why a check failed (an exception's text names hosts, ports, users) goes to the log only: the health check
/// service logs an unhealthy check with its exception.
/// </summary>
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
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString() }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
