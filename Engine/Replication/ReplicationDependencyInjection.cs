using Ferry.Engine.Apply;
using Ferry.Engine.Replication;
using Ferry.Engine.Compare;
using Ferry.Engine.Errors;
using Ferry.Engine.Replication.Errors;
using Ferry.Engine.Replication.Catalog;
using Ferry.Engine.Replication.Compare;
using Ferry.Engine.Replication.Ddl;
using Ferry.Engine.Replication.Sequences;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Replication.Throughput;
using Ferry.Engine.Schedules;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class ReplicationDependencyInjection
{
    /// <summary>
    /// The replication service layer (<see cref="SetService"/>, <see cref="SubscriptionService"/>, <see cref="TableRuleService"/>,
    /// <see cref="SequenceRuleService"/>, <see cref="ReplicationStatusQuery"/>) and the loop
    /// bodies the portal's jobs run (<see cref="SubscriptionRunner"/>, <see cref="SetTickerRunner"/>,
    /// <see cref="ReplicationHousekeeping"/>, <see cref="ReplicationSupervisor"/>), with options from sections
    /// <c>Replication</c> and <c>Apply</c>. Without a host that starts loops (the portal replaces <see cref="IReplicationLoopStarter"/>), the
    /// supervisor's caller runs them.
    /// </summary>
    public static IServiceCollection AddFerryReplication(this IServiceCollection services)
    {
        services.AddOptions<ReplicationOptions>().BindConfiguration(ReplicationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ApplyOptions>().BindConfiguration(ApplyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<IReplicationLoopStarter, NoLoopStarter>();
        services.AddTransient<SetService>();
        services.AddTransient<SubscriptionService>();
        services.AddTransient<TableRuleService>();
        services.AddTransient<TableHandlerService>();
        services.AddTransient<SequenceRuleService>();
        services.AddTransient<DdlService>();
        services.AddTransient<IResyncRunner, ReplicationResyncRunner>();
        services.AddTransient<ICompareRunner, ReplicationCompareRunner>();
        services.AddTransient<ReplicationStatusQuery>();
        services.AddTransient<MergedTablesQuery>();
        services.AddTransient<SourceCatalogQuery>();
        services.AddTransient<ThroughputQuery>();
        services.AddOptions<CompareOptions>().BindConfiguration("Compare");
        services.AddTransient<CompareService>();
        services.AddTransient<RepairService>();
        services.AddTransient<InPlaceResync>();
        services.AddOptions<ErrorsOptions>().BindConfiguration(ErrorsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ErrorJournals>();
        services.AddTransient<ErrorHistory>();
        services.AddTransient<ErrorActions>();
        services.AddTransient<SubscriptionRunner>();
        services.AddTransient<SetTickerRunner>();
        services.AddTransient<ReplicationHousekeeping>();
        services.AddTransient<ReplicationSupervisor>();
        services.AddSingleton<ReplicationChanges>();
        services.AddHostedService<ReplicationChangeListener>();
        return services;
    }
}
