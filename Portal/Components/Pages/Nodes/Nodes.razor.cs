using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Portal.Components.Pages.Nodes.Components;
using Ferry.Portal.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Ferry.Portal.Components.Pages.Nodes;

public sealed partial class Nodes
{
    private IReadOnlyList<NodeView>? _nodes;
    private readonly HashSet<int> _busy = [];
    private string? _search;

    [Inject]
    private NodeAdministration Administration { get; set; } = default!;

    private bool QuickFilter(NodeView node) =>
        string.IsNullOrWhiteSpace(_search)
        || new[] { node.Name, node.Host, node.Database, node.UserName, node.ServerVersion }
            .Any(text => text?.Contains(_search.Trim(), StringComparison.OrdinalIgnoreCase) == true);

    protected override async Task ReloadAsync() => _nodes = await Administration.ListAsync(CurrentUser, CancellationToken.None);

    private Task AddAsync() => OpenDialogAsync(null);

    private Task EditAsync(NodeView node) => OpenDialogAsync(node);

    private async Task OpenDialogAsync(NodeView? existing)
    {
        var parameters = new DialogParameters<NodeDialog> { { d => d.User, CurrentUser }, { d => d.Existing, existing } };
        var options = new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true };
        var dialog = await Dialogs.ShowAsync<NodeDialog>(existing is null ? "Add node" : $"Edit {existing.Name}", parameters, options);
        if (await dialog.Result is { Canceled: false, Data: NodeView saved })
        {
            var what = existing is null ? $"Added {saved.Name}." : $"Saved {saved.Name}.";
            if (saved.Probe is { Connected: false } probe)
            {
                Snackbar.Add($"{what} Ferry cannot reach it: {probe.Message}", Severity.Warning);
            }
            else
            {
                Snackbar.Add(saved.Probe is { } check ? $"{what} {check.Message}" : what, Severity.Success);
            }
            await ReloadAsync();
        }
    }

    private Task CheckAsync(NodeView node) => RunAsync(node, async () =>
    {
        var check = await Administration.CheckAsync(CurrentUser, node.Id, CancellationToken.None);
        Snackbar.Add($"{node.Name}: {check.Message}", check.Connected ? Severity.Success : Severity.Error);
    });

    private Task InstallAsync(NodeView node) => RunAsync(node, async () =>
    {
        var check = await Administration.InstallAsync(CurrentUser, node.Id, CancellationToken.None);
        Snackbar.Add($"{node.Name}: {check.Message}", Severity.Success);
    });

    private async Task DeleteAsync(NodeView node)
    {
        if (await Confirmation.AskAsync("Remove node", $"Remove {node.Name} ({node.Host}:{node.Port}/{node.Database})? " +
                "Ferry forgets how to reach it; the database itself is not touched.", "Remove"))
        {
            await RunAsync(node, async () =>
            {
                await Administration.DeleteAsync(CurrentUser, node.Id, CancellationToken.None);
                Snackbar.Add($"Removed {node.Name}.", Severity.Success);
            });
        }
    }

    private async Task RunAsync(NodeView node, Func<Task> action)
    {
        _busy.Add(node.Id);
        try
        {
            await action();
        }
        catch (Exception e) when (e is RequestRefusedException or AccessDeniedException or EntityNotFoundException)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
        finally
        {
            _busy.Remove(node.Id);
        }
        await ReloadAsync();
    }
}
