using System.Security.Claims;
using Ferry.Engine.Control;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ferry.Portal.Api;

/// <summary>A bearer token created in the portal, shown once.</summary>
public sealed record ApiToken(string AccessToken, DateTimeOffset ExpiresAt);

/// <summary>
/// Creates bearer tokens for the signed-in user from inside the portal (a circuit cannot run a sign-in, so the token is
/// protected here with the same protector the bearer handler reads it with). The token carries the user's roles as
/// they are now.
/// </summary>
public sealed class ApiTokenIssuer(
    IServiceScopeFactory scopes,
    IOptionsMonitor<BearerTokenOptions> bearerOptions,
    IDbContextFactory<ControlDbContext> contexts,
    TimeProvider time)
{
    /// <summary>The lifetimes the portal offers.</summary>
    public static readonly IReadOnlyList<TimeSpan> Lifetimes = [TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(30)];

    public async Task<ApiToken> IssueAsync(ClaimsPrincipal caller, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(caller, FerryRoles.Viewer);
        if (lifetime <= TimeSpan.Zero || lifetime > Lifetimes[^1])
        {
            throw new RequestRefusedException($"A token lives at most {Lifetimes[^1].TotalDays} days.");
        }
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = await users.GetUserAsync(caller) ?? throw new AccessDeniedException("Your account no longer exists.");
        var principal = await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<IdentityUser>>().CreateAsync(user);
        var now = time.GetUtcNow();
        var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now + lifetime };
        var ticket = new AuthenticationTicket(principal, properties, IdentityConstants.BearerScheme);
        var token = bearerOptions.Get(IdentityConstants.BearerScheme).BearerTokenProtector.Protect(ticket);

        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        Audit.Add(context, caller, now, "create-token", "User", user.Id, null, new { expiresAt = properties.ExpiresUtc });
        await context.SaveChangesAsync(cancellationToken);
        return new ApiToken(token, properties.ExpiresUtc.Value);
    }
}
