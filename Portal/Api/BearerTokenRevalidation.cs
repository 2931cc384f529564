using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;

namespace Ferry.Portal.Api;

/// <summary>
/// Checks a bearer token's security stamp against the user on every API request: a deleted user, a password reset or
/// a role change (which renews the stamp) ends every token made before it, instead of at the token's expiry. A
/// revoked token fails authentication, so the answer is 401, as for an expired one.
/// </summary>
/// <remarks>The cookie keeps its own, periodic check; only requests that carry a bearer token pay this query.</remarks>
internal static class BearerTokenRevalidation
{
    public static async Task OnMessageReceivedAsync(MessageReceivedContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }
        var ticket = context.Options.BearerTokenProtector.Unprotect(header[prefix.Length..].Trim());
        if (ticket is null)
        {
            return; // Not a token of ours: the handler fails it itself.
        }
        var signIn = context.HttpContext.RequestServices.GetRequiredService<SignInManager<IdentityUser>>();
        if (await signIn.ValidateSecurityStampAsync(ticket.Principal) is null)
        {
            context.Fail("The token was revoked: the user's password, role or account changed since it was made.");
        }
    }
}
