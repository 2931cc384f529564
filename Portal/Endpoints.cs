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
    /// <summary><c>/healthz</c>: the control database and the job storage, as JSON; open to anyone (no secrets in it).</summary>
    public static IEndpointConventionBuilder MapPortalHealthChecks(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync })
            .AllowAnonymous();

    /// <summary><c>POST /account/logout</c> (the login itself is the static page <c>/account/login</c>).</summary>
    public static IEndpointConventionBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/account/logout", async (SignInManager<IdentityUser> signIn, [FromForm] string? returnUrl) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/account/login" + (string.IsNullOrEmpty(returnUrl) ? "" : "?returnUrl=" + Uri.EscapeDataString(returnUrl)));
        });

    /// <summary>
    /// The HTTP API under <c>/api</c> (cookie or bearer token; every service checks the role again) and its OpenAPI
    /// document at <c>/openapi/v1.json</c>. One file per resource group in <c>Portal/Api</c>; engine refusals become
    /// problem details (<see cref="ApiProblems"/>).
    /// </summary>
    public static RouteGroupBuilder MapPortalApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi().AllowAnonymous();
        var api = endpoints.MapGroup("/api")
            .RequireAuthorization(FerryRoles.Viewer)
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
        api.MapSubscriptionsApi();
        api.MapStatusApi();
        api.MapSourceLoadApi();
        api.MapAlertsApi();
        return api;
    }

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
