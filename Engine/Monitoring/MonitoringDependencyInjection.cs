using Ferry.Engine.Metrics;
using Ferry.Engine.Monitoring;

namespace Microsoft.Extensions.DependencyInjection;

public static class MonitoringDependencyInjection
{
    /// <summary>
    /// Ferry's meter (<see cref="FerryMetrics"/>) and what feeds it (<see cref="MonitoringRefresher"/>, section
    /// <c>Monitoring</c>), and the source's load per set (<see cref="SourceLoadQuery"/>). Exporting the meter (e.g. at
    /// <c>/metrics</c>) is the host's part.
    /// </summary>
    public static IServiceCollection AddFerryMonitoring(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddOptions<MonitoringOptions>().BindConfiguration(MonitoringOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<MonitoringState>();
        services.AddSingleton<FerryMetrics>();
        services.AddSingleton<QueueLoadSamples>();
        services.AddSingleton<SourceLoadUpdates>();
        services.AddTransient<SourceLoadQuery>();
        services.AddHostedService<MonitoringRefresher>();
        return services;
    }
}
