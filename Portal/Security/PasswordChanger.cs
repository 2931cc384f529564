using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Portal.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Portal.Security;

/// <summary>A user replaces their own password (the current one must be right), and the change is audited.</summary>
public sealed class PasswordChanger(
    UserManager<IdentityUser> users, PortalDataFolder dataFolder, IDbContextFactory<ControlDbContext> contexts, TimeProvider time)
{
    /// <summary>
    /// Replaces the password, lifts <see cref="PasswordChange"/>'s requirement and deletes the first Admin's password
    /// file when it held this user's password. The security stamp changes: the user's other sessions and tokens end.
    /// </summary>
    public async Task<IdentityResult> ChangeAsync(ClaimsPrincipal caller, string current, string replacement, CancellationToken cancellationToken)
    {
        var user = await users.GetUserAsync(caller) ?? throw new AccessDeniedException("Your account no longer exists.");
        if (string.Equals(current, replacement, StringComparison.Ordinal))
        {
            return IdentityResult.Failed(new IdentityError { Code = "SamePassword", Description = "Choose a password other than the current one." });
        }
        var changed = await users.ChangePasswordAsync(user, current, replacement);
        if (!changed.Succeeded)
        {
            return changed;
        }
        var wasGenerated = false;
        foreach (var claim in (await users.GetClaimsAsync(user)).Where(c => c.Type == PasswordChange.ClaimType).ToList())
        {
            await users.RemoveClaimAsync(user, claim);
            wasGenerated = true;
        }
        if (wasGenerated && File.Exists(dataFolder.FirstAdminPasswordFile))
        {
            File.Delete(dataFolder.FirstAdminPasswordFile);
        }
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        Audit.Add(context, caller, time.GetUtcNow(), "change-password", "User", user.Id, null, new { replacedGenerated = wasGenerated });
        await context.SaveChangesAsync(cancellationToken);
        return changed;
    }
}
