using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Schedules;

/// <summary>
/// A node, set, subscription and table rule written straight into the control database, for schedules to point at
/// (the replication service that creates them for real is not part of these tests). All named <c>sched-*</c>.
/// </summary>
public sealed record ScheduleTargets(int SubscriptionId, int TableRuleId)
{
    public static async Task<ScheduleTargets> CreateAsync(PortalFixture fixture, string prefix)
    {
        await RemoveAsync(fixture, prefix);
        await using var context = await Contexts(fixture).CreateDbContextAsync();
        var node = new Node { Name = $"{prefix}-node", Host = "127.0.0.1", Database = "postgres", UserName = "postgres" };
        var set = new ReplicationSet { Name = $"{prefix}-set", RootNode = node, QueueName = prefix.Replace('-', '_') };
        var subscription = new Subscription { Set = set, TargetNode = node, ConsumerName = $"{prefix}_consumer" };
        var table = new TableRuleRecord
        {
            Subscription = subscription, SourceSchema = "public", SourceTable = "user_info", TargetSchema = "public", TargetTable = "user_info",
        };
        context.TableRules.Add(table);
        await context.SaveChangesAsync();
        return new ScheduleTargets(subscription.Id, table.Id);
    }

    /// <summary>Removes what <see cref="CreateAsync"/> made (schedules, rules and subscription go with the set and node).</summary>
    public static async Task RemoveAsync(PortalFixture fixture, string prefix)
    {
        await using var context = await Contexts(fixture).CreateDbContextAsync();
        await context.Schedules.Where(s => s.Subscription!.Set!.Name == $"{prefix}-set").ExecuteDeleteAsync();
        await context.TableRules.Where(t => t.Subscription!.Set!.Name == $"{prefix}-set").ExecuteDeleteAsync();
        await context.Subscriptions.Where(s => s.Set!.Name == $"{prefix}-set").ExecuteDeleteAsync();
        await context.Sets.Where(s => s.Name == $"{prefix}-set").ExecuteDeleteAsync();
        await context.Nodes.Where(n => n.Name == $"{prefix}-node").ExecuteDeleteAsync();
    }

    private static IDbContextFactory<ControlDbContext> Contexts(PortalFixture fixture) =>
        fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
}
