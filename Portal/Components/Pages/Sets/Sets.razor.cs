using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Portal.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Ferry.Portal.Components.Pages.Sets;

/// <summary>
/// Sets and their subscriptions; Operators create, subscribe, pause, resume and drop (drops are confirmed). It reloads when a
/// subscription changes (<see cref="LiveRefresh"/>).
/// </summary>
public sealed partial class Sets
{
    private IReadOnlyList<SetInfo>? _sets;
    private IReadOnlyList<SubscriptionSummary> _subscriptions = [];
    private IReadOnlyList<NodeView> _nodes = [];
    private IReadOnlyList<MergedTable> _merges = [];
    private ClaimsPrincipal _user = new();
    private bool _canChange;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject] private SetService SetService { get; set; } = default!;
    [Inject] private SubscriptionService SubscriptionService { get; set; } = default!;
    [Inject] private Engine.Replication.Ddl.DdlService DdlService { get; set; } = default!;
    [Inject] private ReplicationStatusQuery Status { get; set; } = default!;
    [Inject] private MergedTablesQuery MergeQuery { get; set; } = default!;
    [Inject] private NodeAdministration Nodes { get; set; } = default!;
    [Inject] private Confirmation Confirmation { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _user = (await AuthenticationState).User;
        _canChange = FerryRoles.Allows(_user, FerryRoles.Operator);
        await ReloadAsync();
    }

    private async Task ReloadAsync()
    {
        _nodes = await Nodes.ListAsync(_user, CancellationToken.None);
        _subscriptions = await Status.GetSummariesAsync(_user, CancellationToken.None);
        _merges = await MergeQuery.GetAsync(_user, CancellationToken.None);
        _sets = await Status.GetSetsAsync(_user, CancellationToken.None);
    }

    private async Task CreateAsync(string name, int rootNodeId)
    {
        var set = await SetService.CreateSetAsync(_user, name, rootNodeId, CancellationToken.None);
        Snackbar.Add($"Created set {set.Name}.", Severity.Success);
        await ReloadAsync();
        StateHasChanged(); // called through a Func from the form, not an EventCallback
    }

    private Task SubscribeAsync((SetInfo Set, int TargetNodeId) request) => RunAsync(async () =>
    {
        await SubscriptionService.SubscribeAsync(_user, request.Set.Id, request.TargetNodeId, CancellationToken.None);
        Snackbar.Add($"Subscribed to {request.Set.Name}: add its tables next.", Severity.Success);
    });

    private Task PauseAsync(SubscriptionSummary s) => RunAsync(async () =>
    {
        await SubscriptionService.PauseAsync(_user, s.Id, CancellationToken.None);
        Snackbar.Add($"Paused {s.TargetNodeName}; nothing is lost while paused.", Severity.Info);
    });

    private Task ResumeAsync(SubscriptionSummary s) => RunAsync(async () =>
    {
        await SubscriptionService.ResumeAsync(_user, s.Id, CancellationToken.None);
        Snackbar.Add($"Resumed {s.TargetNodeName}.", Severity.Success);
    });

    private async Task SkipDdlAsync(SubscriptionSummary s)
    {
        if (await Confirmation.AskAsync("Skip DDL script",
                $"Skip the DDL script {s.TargetNodeName} stopped at, on {s.TargetNodeName} only, and resume it? The other nodes keep it; "
                + "bring this target to the same shape yourself when it needs it.", "Skip script"))
        {
            await RunAsync(async () =>
            {
                await DdlService.SkipAsync(_user, s.Id, CancellationToken.None);
                Snackbar.Add($"Skipped the DDL script on {s.TargetNodeName} and resumed it.", Severity.Success);
            });
        }
    }

    private async Task UnsubscribeAsync(SubscriptionSummary s)
    {
        if (await Confirmation.AskAsync("Drop subscription",
                $"Stop replicating set {s.SetName} to {s.TargetNodeName}? The rows already there stay; its {s.TableCount} table rule(s) go.",
                "Drop subscription"))
        {
            await RunAsync(async () =>
            {
                await SubscriptionService.DropSubscriptionAsync(_user, s.Id, CancellationToken.None);
                Snackbar.Add($"Dropped the subscription of {s.TargetNodeName}.", Severity.Success);
            });
        }
    }

    private async Task DropSetAsync(SetInfo set)
    {
        if (await Confirmation.AskAsync("Drop set", $"Drop set {set.Name} and its queue on the root? Queued events are lost.", "Drop set"))
        {
            await RunAsync(async () =>
            {
                await SetService.DropSetAsync(_user, set.Id, CancellationToken.None);
                Snackbar.Add($"Dropped set {set.Name}.", Severity.Success);
            });
        }
    }

    private async Task RunAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (e is ReplicationRefusedException or AccessDeniedException)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
        await ReloadAsync();
    }
}
