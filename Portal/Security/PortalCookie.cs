using Microsoft.AspNetCore.Authentication.Cookies;

namespace Ferry.Portal.Security;

/// <summary>The login cookie: pages redirect to the login page; the API and the job dashboard answer 401/403.</summary>
internal static class PortalCookie
{
    public static void Configure(CookieAuthenticationOptions options)
    {
        options.LoginPath = "/account/login";
        options.AccessDeniedPath = "/account/access-denied";
        options.Cookie.Name = "ferry.auth";
        options.Cookie.HttpOnly = true;
        // Not Strict: that would look logged out on every link from another site (mail, chat). Forms carry antiforgery tokens.
        options.Cookie.SameSite = SameSiteMode.Lax;
        options.ExpireTimeSpan = TimeSpan.FromHours(8);
        options.SlidingExpiration = true;
        options.Events.OnRedirectToLogin = context => StatusOrRedirect(context, StatusCodes.Status401Unauthorized);
        options.Events.OnRedirectToAccessDenied = context => StatusOrRedirect(context, StatusCodes.Status403Forbidden);
    }

    private static Task StatusOrRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/api") || (status == StatusCodes.Status403Forbidden && path.StartsWithSegments("/jobs")))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }
        return Task.CompletedTask;
    }
}
