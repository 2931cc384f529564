using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Metrics;
using Ferry.Engine.Replication.Status;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ferry.Engine.Monitoring;

/// <summary>
/// Reads, every <see cref="MonitoringOptions.RefreshInterval"/>, what <see cref="FerryMetrics"/> reports from outside the
/// process: each subscription's state, lag, pending events and tables per state (<see cref="ReplicationStatusQuery"/>), each
/// set's queue load (<see cref="SourceLoadQuery"/>) and each node's last probe. A scrape then reads memory only.
/// </summary>
/// <remarks>A round that fails keeps the previous snapshot (<c>ferry_monitoring_snapshot_age_seconds</c> grows) and is logged.</remarks>
public sealed class MonitoringRefresher(
    IServiceProvider services, MonitoringState state, SourceLoadUpdates sourceLoads, IOptions<MonitoringOptions> options, TimeProvider time,
    ILogger<MonitoringRefresher> logger) : BackgroundService
{
    /// <summary>The identity these reads run as (they only read: role Viewer).</summary>
    internal static readonly ClaimsPrincipal Reader = new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, "system"), new Claim(ClaimTypes.Role, FerryRoles.Viewer)], "system"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.RefreshInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                MonitoringLog.RefreshFailed(logger, e);
            }
            await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>One round: reads everything and replaces the snapshot.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        var summaries = await provider.GetRequiredService<ReplicationStatusQuery>().GetSummariesAsync(Reader, cancellationToken)
            .ConfigureAwait(false);
        var loads = await provider.GetRequiredService<SourceLoadQuery>().GetAllAsync(Reader, cancellationToken).ConfigureAwait(false);
        List<NodeFigures> nodes;
        await using (var context = await provider.GetRequiredService<IDbContextFactory<ControlDbContext>>()
                         .CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            nodes = await context.Nodes.AsNoTracking().OrderBy(n => n.Name)
                .Select(n => new NodeFigures(n.Name, n.LastProbedAt != null && n.LastProbeError == null))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
        }
        state.Update(new MonitoringSnapshot(
            time.GetUtcNow(),
            [.. summaries.Select(s => new SubscriptionFigures(
                new SubscriptionLabels(s.Id, s.SetName, s.TargetNodeName), s.State.ToLowerInvariant(), s.LagSeconds, s.PendingEvents,
                s.TablesByState))],
            [.. loads.Select(l => new QueueFigures(
                l.Set, l.NewestTickId, l.NewestTickAgeSeconds, l.EventsWritten, l.EventTableBytes, l.OldestUnconsumedTickAgeSeconds))],
            nodes));
        sourceLoads.Update(loads);
    }
}
