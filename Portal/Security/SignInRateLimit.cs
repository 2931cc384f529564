using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Ferry.Portal.Security;

/// <summary>
/// ASP.NET Core's rate limiter on the two doors that check a password, <c>POST /account/login</c> and
/// <c>POST /api/auth/token</c>: <see cref="SecurityOptions.SignInPermitLimit"/> attempts per client address
/// (<see cref="ClientAddress"/>) and window, both doors together. The API answers 429 with problem details and
/// Retry-After; the login form goes back to the login page, which says to wait. See
/// <c>docs/decisions/ADR-013-sign-in-limits.md</c>.
/// </summary>
internal static class SignInRateLimit
{
    public const string Policy = "ferry-sign-in";

    /// <summary>The login page's query flag that makes it say "too many attempts".</summary>
    public const string ThrottledQuery = "throttled";

    public static IServiceCollection AddSignInRateLimit(this IServiceCollection services) =>
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(Policy, context =>
            {
                // Reading the login page costs nothing; only attempts (posts) count.
                if (!HttpMethods.IsPost(context.Request.Method))
                {
                    return RateLimitPartition.GetNoLimiter("read");
                }
                var security = context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(ClientAddress.Of(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = security.SignInPermitLimit,
                    Window = security.SignInWindow,
                    QueueLimit = 0,
                });
            });
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = RejectAsync;
        });

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? (int)Math.Ceiling(retryAfter.TotalSeconds)
            : (int)Math.Ceiling(context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.SignInWindow.TotalSeconds);
        context.Response.Headers.RetryAfter = wait.ToString(CultureInfo.InvariantCulture);
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            await TypedResults.Problem(
                    detail: $"Too many sign-in attempts from your address: wait {wait} seconds, then try again.",
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many sign-in attempts.")
                .ExecuteAsync(context);
            return;
        }
        // The login form: back to the login page (a GET, not limited), which says how long to wait.
        var target = $"/account/login?{ThrottledQuery}={wait}";
        if (context.Request.Query["ReturnUrl"] is [{ Length: > 0 } returnUrl])
        {
            target += "&ReturnUrl=" + Uri.EscapeDataString(returnUrl);
        }
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = target;
    }
}
