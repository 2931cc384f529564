using System.Security.Claims;
using Microsoft.AspNetCore.Identity;

namespace Ferry.Portal.Security;

/// <summary>
/// A password the portal generated for a user who has not replaced it yet (the first Admin's, printed to the console and
/// written to a file): the user claim <see cref="ClaimType"/>. Until it is replaced, the login leads to
/// <see cref="PagePath"/> and nowhere else (<see cref="PasswordChangeGate"/>), and <c>POST /api/auth/token</c> refuses.
/// </summary>
public static class PasswordChange
{
    public const string ClaimType = "ferry:must-change-password";

    public const string PagePath = "/account/change-password";

    public static Claim Claim => new(ClaimType, "true");

    public static bool IsRequired(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.HasClaim(c => c.Type == ClaimType);
    }

    public static async Task<bool> IsRequiredAsync(UserManager<IdentityUser> users, IdentityUser user)
    {
        ArgumentNullException.ThrowIfNull(users);
        return (await users.GetClaimsAsync(user)).Any(c => c.Type == ClaimType);
    }
}
