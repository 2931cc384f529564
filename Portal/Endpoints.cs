using Ferry.Engine.Control;
using Ferry.Portal.Api;
using Ferry.Portal.Health;
using Ferry.Portal.Jobs;
using Ferry.Portal.Security;
using Hangfire;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Microsoft.AspNetCore.Routing;

public static class Endpoints
{
    /// <summary><c>/healthz</c>: the control database, the job storage and each node, as JSON; open to anyone (details to signed-in callers only).</summary>
    public static IEndpointConventionBuilder MapPortalHealthChecks(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync })
            .AllowAnonymous();

    /// <summary>Problem details for <c>/api</c> requests that fail outside an endpoint's own refusals (<see cref="ApiErrors"/>).</summary>
    public static IApplicationBuilder UsePortalApiErrors(this IApplicationBuilder app) => app.UseMiddleware<ApiErrors>();

    /// <summary>A user whose generated password must be replaced sees the change page only (<see cref="PasswordChangeGate"/>).</summary>
    public static IApplicationBuilder UsePasswordChangeGate(this IApplicationBuilder app) => app.UseMiddleware<PasswordChangeGate>();

    /// <summary><c>POST /account/logout</c> (the login itself is the static page <c>/account/login</c>).</summary>
    public static IEndpointConventionBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/account/logout", async (SignInManager<IdentityUser> signIn, [FromForm] string? returnUrl) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/account/login" + (string.IsNullOrEmpty(returnUrl) ? "" : "?returnUrl=" + Uri.EscapeDataString(returnUrl)));
        });

    /// <summary>
    /// The HTTP API under <c>/api</c> (bearer tokens only, not the portal's cookie; every service checks the role again) and
    /// its OpenAPI document at <c>/openapi/v1.json</c>, open to anyone. The portal's own pages call the engine's services in
    /// process, never <c>/api</c>. One file per resource group in <c>Portal/Api</c>; engine refusals become
    /// problem details (<see cref="ApiProblems"/>).
    /// </summary>
    public static RouteGroupBuilder MapPortalApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi().AllowAnonymous();
        var api = endpoints.MapGroup("/api")
            .RequireAuthorization(ApiAuthorization.Policy)
            .RequireAuthorization(FerryRoles.Viewer)
            // No antiforgery token: a bearer token is never sent by a browser on its own, so a cross-site request has none.
            .DisableAntiforgery()
            .AddEndpointFilter<ApiProblems>()
            // An empty 401/403 from the API stays an API answer, not the portal's "not found" page.
            .WithMetadata(new SkipStatusCodePagesAttribute());
        api.MapPost("/nodes/probe", async (HttpContext http, JobRequests requests, CancellationToken cancellationToken) =>
            {
                var jobId = await requests.ProbeNodesNowAsync(http.User, cancellationToken);
                return TypedResults.Accepted("/jobs/jobs/details/" + jobId, new { jobId });
            })
            .RequireAuthorization(FerryRoles.Operator)
            .WithTags("Nodes");
        api.MapAuthApi();
        api.MapNodesApi();
        api.MapAuditApi();
        api.MapSchedulesApi();
        api.MapSetsApi();
        api.MapDdlApi();
        api.MapSubscriptionsApi();
        api.MapCompareApi();
        api.MapStatusApi();
        api.MapSourceLoadApi();
        api.MapAlertsApi();
        api.MapErrorsApi();
        return api;
    }

    /// <summary>
    /// <c>GET /compare-reports/{id}/differences.csv</c>: the portal's download of a report's differing rows, with the portal's
    /// sign-in (the same CSV as <c>/api</c>, which takes bearer tokens only). Viewers and above.
    /// </summary>
    public static IEndpointConventionBuilder MapPortalDownloads(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/compare-reports/{reportId:int}/differences.csv", (int reportId, System.Security.Claims.ClaimsPrincipal user,
                Ferry.Engine.Replication.Compare.CompareService service, HttpResponse response, CancellationToken ct) =>
                CompareCsv.WriteAsync(service, user, reportId, response, ct))
            .RequireAuthorization(FerryRoles.Viewer)
            .ExcludeFromDescription();

    /// <summary>Hangfire's dashboard at <c>/jobs</c>, for Admins only (endpoint policy and Hangfire's own filter).</summary>
    public static IEndpointConventionBuilder MapJobsDashboard(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapHangfireDashboard("/jobs", new DashboardOptions
            {
                Authorization = [new DashboardAuthorizationFilter()],
                DashboardTitle = "Ferry jobs",
                AppPath = "/",
                DisplayStorageConnectionString = false,
            })
            .RequireAuthorization(FerryRoles.Admin);
}
