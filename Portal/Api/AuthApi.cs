using System.ComponentModel;
using Ferry.Portal.Security;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace Ferry.Portal.Api;

/// <summary><c>POST /api/auth/token</c>: user name and password in, a bearer token carrying the user's role out.</summary>
internal static class AuthApi
{
    public static RouteGroupBuilder MapAuthApi(this RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("Auth");
        auth.MapPost("/token", CreateTokenAsync)
            .AllowAnonymous()
            .RequireRateLimiting(SignInRateLimit.Policy)
            .WithSummary("Get a bearer token")
            .WithDescription("Send it as 'Authorization: Bearer <accessToken>'. Attempts are limited per client address (429 with "
                + "Retry-After); failed ones lock the account for that address, and many from several addresses lock it everywhere.")
            .Produces<AccessTokenResponse>();
        return api;
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> CreateTokenAsync(
        TokenRequest request, HttpContext http, PortalSignIn portalSignIn, SignInManager<IdentityUser> signIn)
    {
        var outcome = await portalSignIn.CheckAsync(request.UserName ?? "", request.Password ?? "", ClientAddress.Of(http));
        if (outcome.User is not { } user)
        {
            return TypedResults.Problem(detail: outcome.Message, statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in.");
        }
        if (outcome.MustChangePassword)
        {
            return TypedResults.Problem(
                detail: $"The password of '{user.UserName}' was generated when Ferry was set up and must be replaced first: log in to the "
                    + "portal (/account/login), which asks for a new one, then ask for a token with it.",
                statusCode: StatusCodes.Status403Forbidden,
                title: "Change the password first.");
        }
        // The bearer handler writes the token response itself when signing in with its scheme.
        signIn.AuthenticationScheme = IdentityConstants.BearerScheme;
        await signIn.SignInAsync(user, isPersistent: false, authenticationMethod: "pwd");
        return TypedResults.Empty;
    }

    /// <summary>A portal user's credentials.</summary>
    internal sealed record TokenRequest([property: Description("The portal user name")] string? UserName, string? Password);
}
