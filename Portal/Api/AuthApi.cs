using System.ComponentModel;
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
            .WithSummary("Get a bearer token")
            .WithDescription("Send it as 'Authorization: Bearer <accessToken>'. Failed attempts count towards the account's lockout.")
            .Produces<AccessTokenResponse>();
        return api;
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> CreateTokenAsync(
        TokenRequest request, SignInManager<IdentityUser> signIn)
    {
        // The bearer handler writes the token response itself when signing in with its scheme.
        signIn.AuthenticationScheme = IdentityConstants.BearerScheme;
        var result = await signIn.PasswordSignInAsync(request.UserName ?? "", request.Password ?? "", isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return TypedResults.Empty;
        }
        var detail = result.IsLockedOut
            ? "This account is locked after too many failed attempts; wait, or ask an Admin to unlock it."
            : result.IsNotAllowed ? "This account may not sign in."
            : "Wrong user name or password.";
        return TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in.");
    }

    /// <summary>A portal user's credentials.</summary>
    internal sealed record TokenRequest([property: Description("The portal user name")] string? UserName, string? Password);
}
