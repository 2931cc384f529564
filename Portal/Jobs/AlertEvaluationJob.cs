using Ferry.Engine.Alerts;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Ferry.Portal.Jobs;

/// <summary>
/// Recurring job (<c>Alerts:EvaluationCron</c>, every minute by default): one alert evaluation round
/// (docs/decisions/ADR-015-alerts.md).
/// </summary>
/// <remarks>
/// The round itself takes an advisory lock in the control database, so two portal processes never evaluate at once; the
/// attribute only spares a second worker the wait.
/// </remarks>
public sealed class AlertEvaluationJob(AlertEvaluator evaluator)
{
    public const string RecurringJobId = "alert-evaluation";

    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(CancellationToken cancellationToken) => evaluator.EvaluateAsync(cancellationToken);
}

/// <summary>Registers <see cref="AlertEvaluationJob"/> as a recurring job at startup.</summary>
public sealed class AlertJobRegistration(IRecurringJobManager recurring, IOptions<AlertOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        recurring.AddOrUpdate<AlertEvaluationJob>(
            AlertEvaluationJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), options.Value.EvaluationCron);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
