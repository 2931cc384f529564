using Ferry.Engine.Control;
using Ferry.Portal.Jobs;
using Ferry.Portal.Security;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Ferry.Portal.Hosting;

public static class PortalInitialization
{
    /// <summary>
    /// Applies migrations, readies the Data Protection key ring, makes sure the roles and a first Admin exist, and registers
    /// the recurring jobs.
    /// </summary>
    public static async Task InitializePortalAsync(this WebApplication app)
    {
        await app.Services.GetRequiredService<ControlDatabaseInitializer>().InitializeAsync();
        await app.Services.GetRequiredService<KeyRingInitializer>().InitializeAsync();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<FirstAdmin>().EnsureAsync();
        }
        var jobs = app.Services.GetRequiredService<IOptions<JobsOptions>>().Value;
        app.Services.GetRequiredService<IRecurringJobManager>().AddOrUpdate<NodeHealthProbeJob>(
            NodeHealthProbeJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), jobs.NodeProbeCron);
    }
}
