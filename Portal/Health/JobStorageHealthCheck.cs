using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ferry.Portal.Health;

/// <summary>Hangfire's storage answers; the servers and failed jobs it knows are in the result's data (not on /healthz).</summary>
internal sealed class JobStorageHealthCheck(JobStorage storage) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var statistics = storage.GetMonitoringApi().GetStatistics();
            var data = new Dictionary<string, object>
            {
                ["servers"] = statistics.Servers,
                ["recurring"] = statistics.Recurring,
                ["enqueued"] = statistics.Enqueued,
                ["failed"] = statistics.Failed,
            };
            return Task.FromResult(HealthCheckResult.Healthy("The job storage answers.", data));
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The job storage does not answer.", e));
        }
    }
}
