using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Portal.Jobs;
using Ferry.Portal.Tests.Support;
using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Portal.Tests.Jobs;

[Collection(PortalCollection.Name)]
public sealed class NodeHealthProbeTests(PortalFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Probe_IsARecurringJob()
    {
        var storage = fixture.Portal.Services.GetRequiredService<JobStorage>();
        using var connection = storage.GetConnection();

        var jobs = connection.GetRecurringJobs();

        Assert.Contains(jobs, job => job.Id == NodeHealthProbeJob.RecurringJobId && job.Cron == "*/5 * * * *");
    }

    [Fact]
    public async Task Probe_RecordsTheServerVersion_AndWhyANodeDidNotAnswer()
    {
        var services = fixture.Portal.Services;
        var contexts = services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        var passwords = services.GetRequiredService<NodePasswordProtector>();
        var cluster = fixture.Postgres.Cluster;
        var up = new Node
        {
            Name = "probe-test-up", Host = cluster.Host, Port = cluster.Port, Database = "postgres", UserName = cluster.Superuser,
            ProtectedPassword = passwords.Protect("not-needed-with-trust"),
        };
        var down = new Node { Name = "probe-test-down", Host = "127.0.0.1", Port = 1, Database = "postgres", UserName = "nobody" };
        await using (var context = await contexts.CreateDbContextAsync(Token))
        {
            context.Nodes.AddRange(up, down);
            await context.SaveChangesAsync(Token);
        }
        try
        {
            await services.GetRequiredService<NodeHealthProbe>().ProbeAllAsync(Token);

            await using var context = await contexts.CreateDbContextAsync(Token);
            var probedUp = await context.Nodes.SingleAsync(n => n.Id == up.Id, Token);
            var probedDown = await context.Nodes.SingleAsync(n => n.Id == down.Id, Token);
            Assert.StartsWith(cluster.Installation.Major + ".", probedUp.ServerVersion, StringComparison.Ordinal);
            Assert.Null(probedUp.LastProbeError);
            Assert.NotNull(probedUp.LastProbedAt);
            Assert.Null(probedDown.ServerVersion);
            Assert.False(string.IsNullOrEmpty(probedDown.LastProbeError));
            Assert.NotEqual("not-needed-with-trust", probedUp.ProtectedPassword);
            Assert.Equal("not-needed-with-trust", passwords.Unprotect(probedUp.ProtectedPassword));
        }
        finally
        {
            await using var context = await contexts.CreateDbContextAsync(Token);
            await context.Nodes.Where(n => n.Id == up.Id || n.Id == down.Id).ExecuteDeleteAsync(Token);
        }
    }
}
