using System.Security.Cryptography;
using System.Text;
using Ferry.Engine.Control;
using Microsoft.Extensions.Options;

namespace Ferry.Portal.Monitoring;

/// <summary>
/// The gate in front of the Prometheus exporter at <c>/metrics</c> (<see cref="ScrapeAccessOptions"/>): anonymous when allowed,
/// the scrape token (compared in constant time), or a signed-in Viewer; otherwise 401 with a bearer challenge.
/// </summary>
internal sealed class ScrapeAccess(RequestDelegate next, IOptionsMonitor<ScrapeAccessOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var settings = options.CurrentValue;
        if (settings.AllowAnonymousScrape == true || HasToken(context, settings.ScrapeToken)
            || FerryRoles.Allows(context.User, FerryRoles.Viewer))
        {
            return next(context);
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"ferry-metrics\"";
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(
            "/metrics needs the scrape token (Authorization: Bearer <Monitoring:ScrapeToken>) or a Viewer's login or API token.");
    }

    private static bool HasToken(HttpContext context, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }
        var header = context.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()), Encoding.UTF8.GetBytes(token));
    }
}
