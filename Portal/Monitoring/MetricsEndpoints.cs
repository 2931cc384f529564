using Ferry.Portal.Monitoring;

namespace Microsoft.AspNetCore.Routing;

public static class MetricsEndpoints
{
    /// <summary>
    /// <c>/metrics</c>: the meters in Prometheus' text format, behind <see cref="ScrapeAccess"/> (a scrape token, a Viewer, or
    /// anyone when so configured). Not an API endpoint: no cookie redirect, no antiforgery.
    /// </summary>
    public static IEndpointConventionBuilder MapPortalMetrics(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null,
                configureBranchedPipeline: branch => branch.UseMiddleware<ScrapeAccess>(), optionsName: null)
            .AllowAnonymous();
}
