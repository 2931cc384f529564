using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Schedules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class DependencyInjection
{
    /// <summary>
    /// Registers the engine: the control database (<c>ConnectionStrings:Control</c>, required), its initializer, node
    /// passwords and the node health probe. Registering twice throws rather than doubling the engine's loops.
    /// </summary>
    public static IServiceCollection AddFerryEngine(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(s => s.ServiceType == typeof(FerryEngineMarker)))
        {
            throw new InvalidOperationException("AddFerryEngine was called twice.");
        }
        services.AddSingleton<FerryEngineMarker>();

        var connectionString = configuration.GetConnectionString("Control");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "The control database is not configured: set ConnectionStrings:Control (appsettings.json or env ConnectionStrings__Control).");
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TimestampInterceptor>();
        services.AddDbContextFactory<ControlDbContext>((provider, options) =>
        {
            ControlDbContext.Configure(options, connectionString);
            options.AddInterceptors(provider.GetRequiredService<TimestampInterceptor>());
        });
        services.AddDataProtection();
        services.AddSingleton<ControlDatabaseInitializer>();
        services.AddSingleton<NodePasswordProtector>();
        services.AddSingleton<NodeDataSources>();
        services.AddTransient<NodeHealthProbe>();
        services.AddTransient<ControlOverviewQuery>();
        services.AddTransient<NodeAdministration>();
        services.AddTransient<AuditTrailSearch>();
        services.AddTransient<ScheduleAdministration>();
        services.AddTransient<ScheduledResync>();
        services.AddFerryReplication();
        services.AddFerryMonitoring();
        services.AddFerryAlerts();
        return services;
    }

    private sealed class FerryEngineMarker;
}
