using System.Security.Claims;
using Ferry.Engine.Control;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Portal.Jobs;

/// <summary>Jobs a user asks for by hand. Each method checks the caller's role itself and writes an audit entry.</summary>
public sealed class JobRequests(IBackgroundJobClient jobs, IDbContextFactory<ControlDbContext> contexts, TimeProvider time)
{
    /// <summary>Queues a health probe of every node now (Operator or higher). Returns the Hangfire job id.</summary>
    public async Task<string> ProbeNodesNowAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        var jobId = jobs.Enqueue<NodeHealthProbeJob>(job => job.RunAsync(CancellationToken.None));
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        context.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            UserName = user.Identity?.Name ?? "anonymous",
            Action = "probe",
            EntityType = nameof(Node),
            After = AuditEntry.Snapshot(new { jobId }),
        });
        await context.SaveChangesAsync(cancellationToken);
        return jobId;
    }
}
