namespace Ferry.Portal.Security;

/// <summary>
/// Keeps a user whose password must be changed (<see cref="PasswordChange"/>) on the change page: page requests go there,
/// anything else is refused (403); static files, the login page and logging out stay open.
/// </summary>
internal sealed class PasswordChangeGate(RequestDelegate next)
{
    private static readonly string[] OpenPaths =
        [PasswordChange.PagePath, "/account/logout", "/account/login", "/_framework", "/_content", "/healthz"];

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!PasswordChange.IsRequired(context.User) || OpenPaths.Any(p => path.StartsWithSegments(p)) || Path.HasExtension(path.Value))
        {
            return next(context);
        }
        if (HttpMethods.IsGet(context.Request.Method) && !path.StartsWithSegments("/api") && !path.StartsWithSegments("/_blazor"))
        {
            context.Response.Redirect(PasswordChange.PagePath + "?returnUrl=" + Uri.EscapeDataString(path + context.Request.QueryString));
            return Task.CompletedTask;
        }
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}
