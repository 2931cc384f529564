using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Errors;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Errors;
using Ferry.Portal.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Ferry.Portal.Components.Pages.Errors;

/// <summary>
/// A subscription's error history (docs/decisions/ADR-017-error-history.md): one line per cause with its count, expanded to its
/// occurrences; an Operator retries, skips the failing event with a reason, or resyncs the table.
/// </summary>
public sealed partial class Errors
{
    private IReadOnlyList<ErrorGroupInfo>? _groups;
    private readonly Dictionary<long, IReadOnlyList<ErrorOccurrenceInfo>> _occurrences = [];
    private readonly Dictionary<long, string> _reasons = [];
    private bool _openOnly;
    private bool _canAct;
    private ClaimsPrincipal _user = new();

    [Parameter]
    public int SubscriptionId { get; set; }

    /// <summary>One table's errors only (<c>?table=</c>, from the Tables page).</summary>
    [SupplyParameterFromQuery(Name = "table")]
    public int? TableId { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private ErrorHistory History { get; set; } = default!;

    [Inject]
    private ErrorActions Actions { get; set; } = default!;

    [Inject]
    private Confirmation Confirmation { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        _user = (await AuthenticationState).User;
        _canAct = FerryRoles.Allows(_user, FerryRoles.Operator);
        await ReloadAsync();
    }

    private async Task ReloadAsync()
    {
        _groups = await History.GroupsAsync(_user, SubscriptionId, TableId, _openOnly, 200, CancellationToken.None);
        foreach (var id in _occurrences.Keys.ToList())
        {
            _occurrences[id] = await History.OccurrencesAsync(_user, id, CancellationToken.None);
        }
    }

    private async Task OpenOnlyAsync(bool value)
    {
        _openOnly = value;
        await ReloadAsync();
    }

    private async Task ExpandAsync(ErrorGroupInfo group, bool open)
    {
        if (open)
        {
            _occurrences[group.Id] = await History.OccurrencesAsync(_user, group.Id, CancellationToken.None);
        }
        else
        {
            _occurrences.Remove(group.Id);
        }
    }

    private Task RetryAsync(ErrorGroupInfo g) => ActAsync("Retry now",
        $"Apply {g.Table ?? "the subscription"} again? Fix the cause first; its changes kept since it stopped come first.", "Retry",
        () => Actions.RetryAsync(_user, g.Id, CancellationToken.None), "Retried.");

    private Task ResyncAsync(ErrorGroupInfo g) => ActAsync("Resync table", $"Copy {g.Table} again from the source?", "Resync",
        () => Actions.ResyncAsync(_user, g.Id, CancellationToken.None), "The table is copied again.");

    private Task SkipAsync(ErrorGroupInfo g) => ActAsync("Skip the failing event",
        $"Leave out the failing event of {g.Table} and apply everything after it? The target will miss that change: compare the "
        + "table afterwards.", "Skip",
        () => Actions.SkipAsync(_user, g.Id, _reasons.GetValueOrDefault(g.Id), CancellationToken.None), "Skipped; the table needs a compare.");

    private async Task ActAsync(string title, string question, string confirm, Func<Task> action, string done)
    {
        if (!await Confirmation.AskAsync(title, question, confirm))
        {
            return;
        }
        try
        {
            await action();
            Snackbar.Add(done, Severity.Success);
        }
        catch (Exception e) when (e is ReplicationRefusedException or AccessDeniedException or EntityNotFoundException)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
        await ReloadAsync();
    }

    private static Color StatusColor(string status) => status switch
    {
        "Failing" => Color.Error,
        "Retrying" or "RetryRequested" => Color.Warning,
        "Skipped" => Color.Secondary,
        _ => Color.Success,
    };

    private static string StatusText(ErrorGroupInfo g) => g.Status switch
    {
        "Failing" => "still failing",
        "Retrying" => "retrying",
        "RetryRequested" => "retry requested",
        "Passed" => "retried and passed",
        "Skipped" => "skipped",
        "Resynced" => "resynced",
        _ => g.Status,
    };
}
