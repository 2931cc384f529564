using Ferry.Portal.Users;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Ferry.Portal.Components.Pages.Users;

public sealed partial class Users
{
    private IReadOnlyList<UserRow>? _users;
    private (string UserName, string Password)? _shownPassword;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private UserAdministration Administration { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    protected override Task OnInitializedAsync() => ReloadAsync();

    private async Task ReloadAsync() => _users = await Administration.ListAsync(await CallerAsync(), CancellationToken.None);

    private Task CreateAsync(NewUserForm.NewUser user) => RunAsync($"Created {user.UserName}.", async caller =>
    {
        var password = await Administration.CreateAsync(caller, user.UserName, user.Email, user.Role, CancellationToken.None);
        _shownPassword = (user.UserName, password);
    });

    private Task SetRoleAsync(UserRow user, string role) => RunAsync($"{user.UserName} is now {role}.",
        caller => Administration.SetRoleAsync(caller, user.Id, role, CancellationToken.None));

    private Task UnlockAsync(UserRow user) => RunAsync($"Unlocked {user.UserName}.",
        caller => Administration.UnlockAsync(caller, user.Id, CancellationToken.None));

    private Task ResetPasswordAsync(UserRow user) => RunAsync($"New password for {user.UserName}.", async caller =>
    {
        var password = await Administration.ResetPasswordAsync(caller, user.Id, CancellationToken.None);
        _shownPassword = (user.UserName, password);
    });

    private async Task DeleteAsync(UserRow user)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            "Delete user", $"Delete {user.UserName}? They can no longer log in.", yesText: "Delete", cancelText: "Cancel");
        if (confirmed == true)
        {
            await RunAsync($"Deleted {user.UserName}.", caller => Administration.DeleteAsync(caller, user.Id, CancellationToken.None));
        }
    }

    private async Task RunAsync(string success, Func<System.Security.Claims.ClaimsPrincipal, Task> action)
    {
        try
        {
            await action(await CallerAsync());
            Snackbar.Add(success, Severity.Success);
        }
        catch (InvalidOperationException e)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
        await ReloadAsync();
    }

    private async Task<System.Security.Claims.ClaimsPrincipal> CallerAsync() => (await AuthenticationState).User;
}
