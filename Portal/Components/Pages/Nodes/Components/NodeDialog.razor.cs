using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Ferry.Portal.Components.Pages.Nodes.Components;

/// <summary>
/// Adds or edits a node. Saving tests the node at once: when it cannot be reached, the dialog stays open on the saved node
/// and says why, so the DBA can correct it; otherwise it closes with the saved node.
/// </summary>
public sealed partial class NodeDialog
{
    private NodeForm? _form;
    private NodeFormModel _model = new();
    private NodeView? _saved;
    private NodeCheck? _unreachable;
    private NodeCheck? _check;
    private string? _error;
    private bool _busy;

    [Inject]
    private NodeAdministration Nodes { get; set; } = default!;

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    [Parameter, EditorRequired]
    public required ClaimsPrincipal User { get; set; }

    /// <summary>The node to edit; null to add one.</summary>
    [Parameter]
    public NodeView? Existing { get; set; }

    protected override void OnInitialized()
    {
        _saved = Existing;
        _model = Existing is null ? new() : NodeFormModel.From(Existing);
    }

    private Task TestAsync() => RunAsync(async () =>
    {
        _unreachable = null;
        _check = await Nodes.CheckAsync(User, _model.ToInput(), _saved?.Id, CancellationToken.None);
    });

    private Task SaveAsync() => RunAsync(async () =>
    {
        var saved = _saved is null
            ? await Nodes.CreateAsync(User, _model.ToInput(), CancellationToken.None)
            : await Nodes.UpdateAsync(User, _saved.Id, _model.ToInput(), CancellationToken.None);
        if (saved.Probe is { Connected: false } probe)
        {
            // Saved: from now on this dialog edits the saved node.
            _saved = saved;
            _check = null;
            _unreachable = probe;
            return;
        }
        Dialog.Close(DialogResult.Ok(saved));
    });

    /// <summary>Cancel, or Close once a node was saved here (the page then shows it).</summary>
    private void Close()
    {
        if (_saved is not null && _saved != Existing)
        {
            Dialog.Close(DialogResult.Ok(_saved));
        }
        else
        {
            Dialog.Cancel();
        }
    }

    private async Task RunAsync(Func<Task> action)
    {
        _error = null;
        if (!await _form!.ValidateAsync())
        {
            return;
        }
        _busy = true;
        try
        {
            await action();
        }
        catch (Exception e) when (e is RequestRefusedException or AccessDeniedException or EntityNotFoundException)
        {
            _error = e.Message;
        }
        finally
        {
            _busy = false;
        }
    }
}
