using Ferry.Engine.Metrics;
using Ferry.Portal.Monitoring;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Microsoft.Extensions.DependencyInjection;

public static class PortalMonitoringDependencyInjection
{
    /// <summary>
    /// OpenTelemetry metrics exported for Prometheus: Ferry's meter (<see cref="FerryMetrics"/>), Npgsql's, ASP.NET Core's and
    /// the .NET runtime's; who may scrape them (<see cref="ScrapeAccessOptions"/>); the nodes in <c>/healthz</c>; the recurring
    /// alert evaluation job.
    /// </summary>
    public static IServiceCollection AddPortalMonitoring(this IServiceCollection services)
    {
        services.AddOptions<ScrapeAccessOptions>().BindConfiguration(ScrapeAccessOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ScrapeAccessOptions>, ScrapeAccessValidation>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("ferry-portal", serviceInstanceId: Environment.MachineName))
            .WithMetrics(metrics => metrics
                .AddMeter(FerryMetrics.MeterName)
                .AddNpgsqlInstrumentation()
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        services.AddHealthChecks().AddCheck<NodesHealthCheck>(NodesHealthCheck.Name);
        services.AddTransient<Ferry.Portal.Jobs.AlertEvaluationJob>();
        services.AddHostedService<Ferry.Portal.Jobs.AlertJobRegistration>();
        return services;
    }
}
