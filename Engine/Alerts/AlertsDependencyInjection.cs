using Ferry.Engine.Alerts;

namespace Microsoft.Extensions.DependencyInjection;

public static class AlertsDependencyInjection
{
    /// <summary>
    /// Alerts (section <c>Alerts</c>): rules and channels (<see cref="AlertAdministration"/>), the evaluation round
    /// (<see cref="AlertEvaluator"/>, run by the host's recurring job), and delivery (<see cref="AlertNotifier"/>).
    /// </summary>
    public static IServiceCollection AddFerryAlerts(this IServiceCollection services)
    {
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(AlertNotifier.HttpClientName);
        services.AddSingleton<AlertSecretProtector>();
        services.AddTransient<AlertNotifier>();
        services.AddTransient<AlertEvaluator>();
        services.AddTransient<AlertAdministration>();
        return services;
    }
}
