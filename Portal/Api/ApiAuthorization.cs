using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace Ferry.Portal.Api;

/// <summary>
/// <c>/api</c> takes bearer tokens only (every endpoint but <c>POST /api/auth/token</c>): a browser attaches the portal's
/// cookie to a request that a page on another site makes, never an Authorization header, so the API cannot be driven from
/// there (no cross-site pause or resync). The portal's pages call the engine's services in process, not <c>/api</c>.
/// </summary>
internal static class ApiAuthorization
{
    public const string Policy = "Ferry.Api";

    public static AuthorizationBuilder AddApiPolicy(this AuthorizationBuilder authorization) =>
        authorization.AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(IdentityConstants.BearerScheme).RequireAuthenticatedUser());
}
