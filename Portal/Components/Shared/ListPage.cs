using System.Security.Claims;
using Ferry.Engine.Control;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Ferry.Portal.Components.Shared;

/// <summary>
/// What the list pages with add and edit dialogs share (Nodes, Schedules): the signed-in user and the roles the page asks
/// about, the dialog, confirmation and snackbar services, and a first load once the user is known.
/// </summary>
public abstract class ListPage : ComponentBase
{
    [CascadingParameter]
    protected Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    protected IDialogService Dialogs { get; set; } = default!;

    [Inject]
    protected Confirmation Confirmation { get; set; } = default!;

    [Inject]
    protected ISnackbar Snackbar { get; set; } = default!;

    /// <summary>The signed-in user, whom every service call names.</summary>
    protected ClaimsPrincipal CurrentUser { get; private set; } = new();

    protected bool IsAdmin { get; private set; }

    protected bool IsOperator { get; private set; }

    protected override async Task OnInitializedAsync()
    {
        CurrentUser = (await AuthenticationState).User;
        IsAdmin = FerryRoles.Allows(CurrentUser, FerryRoles.Admin);
        IsOperator = FerryRoles.Allows(CurrentUser, FerryRoles.Operator);
        await ReloadAsync();
    }

    /// <summary>Reads the page's rows (again).</summary>
    protected abstract Task ReloadAsync();
}
