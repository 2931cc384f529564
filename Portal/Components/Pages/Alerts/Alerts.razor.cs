using System.Security.Claims;
using Ferry.Engine.Alerts;
using Ferry.Engine.Control;
using Ferry.Portal.Components.Pages.Alerts.Components;
using Ferry.Portal.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Ferry.Portal.Components.Pages.Alerts;

/// <summary>
/// Active and past alerts for every role; rules and channels readable by everyone and changed by Admins; an Operator runs an
/// evaluation round now (docs/decisions/ADR-015-alerts.md).
/// </summary>
public sealed partial class Alerts
{
    private IReadOnlyList<AlertView>? _open;
    private IReadOnlyList<AlertView>? _history;
    private IReadOnlyList<AlertRuleView>? _rules;
    private IReadOnlyList<AlertChannelView>? _channels;
    private bool _isOperator;
    private bool _isAdmin;
    private bool _busy;
    private ClaimsPrincipal _user = new();

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private AlertAdministration Administration { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private Confirmation Confirmation { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _user = (await AuthenticationState).User;
        _isOperator = FerryRoles.Allows(_user, FerryRoles.Operator);
        _isAdmin = FerryRoles.Allows(_user, FerryRoles.Admin);
        await ReloadAsync();
    }

    private async Task ReloadAsync()
    {
        _open = await Administration.ListOpenAsync(_user, CancellationToken.None);
        _history = await Administration.ListHistoryAsync(_user, 200, CancellationToken.None);
        _rules = await Administration.ListRulesAsync(_user, CancellationToken.None);
        _channels = await Administration.ListChannelsAsync(_user, CancellationToken.None);
    }

    private string ChannelNames(IReadOnlyList<int> ids) => ids.Count == 0
        ? "all enabled"
        : string.Join(", ", ids.Select(id => _channels?.FirstOrDefault(c => c.Id == id)?.Name ?? $"#{id}"));

    private async Task EvaluateAsync()
    {
        await RunAsync(async () =>
        {
            var round = await Administration.EvaluateNowAsync(_user, CancellationToken.None);
            Snackbar.Add(round.Ran ? $"Evaluated {round.Rules} rule(s): {round.Open} alert(s) open, {round.Notices} notice(s) sent."
                : "Another portal process is evaluating right now.", Severity.Info);
        });
    }

    private async Task EditRuleAsync(AlertRuleView? existing)
    {
        var parameters = new DialogParameters<AlertRuleDialog>
        {
            { d => d.User, _user }, { d => d.Channels, _channels! }, { d => d.Existing, existing },
        };
        var dialog = await Dialogs.ShowAsync<AlertRuleDialog>(existing is null ? "Add rule" : $"Edit {existing.Name}", parameters, Wide);
        if (await dialog.Result is { Canceled: false, Data: AlertRuleView saved })
        {
            Snackbar.Add($"Saved rule {saved.Name}.", Severity.Success);
            await ReloadAsync();
        }
    }

    private async Task EditChannelAsync(AlertChannelView? existing)
    {
        var parameters = new DialogParameters<AlertChannelDialog> { { d => d.User, _user }, { d => d.Existing, existing } };
        var dialog = await Dialogs.ShowAsync<AlertChannelDialog>(existing is null ? "Add channel" : $"Edit {existing.Name}", parameters, Wide);
        if (await dialog.Result is { Canceled: false, Data: AlertChannelView saved })
        {
            Snackbar.Add($"Saved channel {saved.Name}.", Severity.Success);
            await ReloadAsync();
        }
    }

    private async Task DeleteRuleAsync(AlertRuleView rule)
    {
        if (await Confirmation.AskAsync("Delete rule", $"Delete rule {rule.Name}? Its past alerts stay in the history.", "Delete"))
        {
            await RunAsync(() => Administration.DeleteRuleAsync(_user, rule.Id, CancellationToken.None), $"Deleted rule {rule.Name}.");
        }
    }

    private async Task DeleteChannelAsync(AlertChannelView channel)
    {
        if (await Confirmation.AskAsync("Delete channel", $"Delete channel {channel.Name}?", "Delete"))
        {
            await RunAsync(() => Administration.DeleteChannelAsync(_user, channel.Id, CancellationToken.None), $"Deleted channel {channel.Name}.");
        }
    }

    private Task TestChannelAsync(AlertChannelView channel) =>
        RunAsync(() => Administration.TestChannelAsync(_user, channel.Id, CancellationToken.None), $"{channel.Name} took the test notice.");

    private async Task RunAsync(Func<Task> action, string? success = null)
    {
        _busy = true;
        try
        {
            await action();
            if (success is not null)
            {
                Snackbar.Add(success, Severity.Success);
            }
        }
        catch (Exception e) when (e is RequestRefusedException or AccessDeniedException or EntityNotFoundException)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
        finally
        {
            _busy = false;
        }
        await ReloadAsync();
    }

    private static readonly DialogOptions Wide = new() { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true };
}
