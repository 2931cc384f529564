using MudBlazor;

namespace Ferry.Portal.Components.Shared;

/// <summary>
/// The portal's one way to ask "are you sure?": every delete, drop or resync goes through here, so they all look and
/// behave alike (Cancel is the default; Escape cancels).
/// </summary>
public sealed class Confirmation(IDialogService dialogs)
{
    /// <summary>Shows <see cref="ConfirmDialog"/>; true only when the user pressed the confirm button.</summary>
    public async Task<bool> AskAsync(string title, string message, string confirmText, bool destructive = true)
    {
        var parameters = new DialogParameters<ConfirmDialog>
        {
            { d => d.Message, message },
            { d => d.ConfirmText, confirmText },
            { d => d.Destructive, destructive },
        };
        var options = new DialogOptions { CloseOnEscapeKey = true, MaxWidth = MaxWidth.Small, FullWidth = true };
        var dialog = await dialogs.ShowAsync<ConfirmDialog>(title, parameters, options);
        var result = await dialog.Result;
        return result is { Canceled: false, Data: true };
    }
}
