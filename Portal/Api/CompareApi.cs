using System.Security.Claims;
using Ferry.Engine.Replication.Compare;
using Ferry.Portal.Jobs;

namespace Ferry.Portal.Api;

/// <summary>
/// Compares (docs/decisions/ADR-016-compare-and-repair.md): <c>POST /api/subscriptions/{id}/compare</c> (every ok table) and
/// <c>POST /api/subscriptions/{id}/tables/{tableId}/compare</c> start compares that run as a background job and answer 202
/// with their reports; <c>GET /api/subscriptions/{id}/compare-reports</c> is the history; <c>/api/compare-reports/{reportId}</c>
/// one report, with <c>/differences</c> (pages), <c>/differences.csv</c> (all) and <c>/repair</c> (GET a preview, POST to
/// start a repair, a background job with a report of its own). Operators start and repair, Viewers read.
/// </summary>
internal static class CompareApi
{
    public static RouteGroupBuilder MapCompareApi(this RouteGroupBuilder api)
    {
        var subscriptions = api.MapGroup("/subscriptions/{id:int}").WithTags("Compare");

        subscriptions.MapPost("/compare", async (int id, ClaimsPrincipal user, CompareRequests requests, CancellationToken ct) =>
            {
                var reports = await requests.CompareSubscriptionAsync(user, id, ct);
                return TypedResults.Accepted($"/api/subscriptions/{id}/compare-reports", reports);
            })
            .WithName("CompareSubscription")
            .WithSummary("Compare every table that is ok, one after the other, in a background job (Operator)");

        subscriptions.MapPost("/tables/{tableId:int}/compare", async (int id, int tableId, ClaimsPrincipal user, CompareRequests requests,
                CancellationToken ct) =>
            {
                var report = await requests.CompareTableAsync(user, id, tableId, ct);
                return TypedResults.Accepted($"/api/compare-reports/{report.Id}", report);
            })
            .WithName("CompareTable")
            .WithSummary("Compare a table with its source at one tick, in a background job; refused unless it is ok (Operator)");

        subscriptions.MapPost("/tables/{tableId:int}/resync-in-place", async (int id, int tableId, ClaimsPrincipal user, CompareRequests requests,
                CancellationToken ct) =>
            {
                var report = await requests.ResyncInPlaceAsync(user, id, tableId, ct);
                return TypedResults.Accepted($"/api/compare-reports/{report.Id}", report);
            })
            .WithName("ResyncTableInPlace")
            .WithSummary("Resync a table that is ok without emptying it, in a background job: compare (the target read through the rule's "
                + "filter), then repair by chunks until equal; answers 202 with the first compare's report, the repairs follow in the "
                + "table's history. /resync copies the table again instead (Operator)");

        subscriptions.MapGet("/compare-reports", (int id, int? tableId, int? take, ClaimsPrincipal user, CompareService service,
                CancellationToken ct) => service.GetReportsAsync(user, id, tableId, take ?? 50, ct))
            .WithName("ListCompareReports").WithSummary("Compare reports, newest first; tableId for one table's history");

        var reports = api.MapGroup("/compare-reports/{reportId:int}").WithTags("Compare");

        reports.MapGet("/", (int reportId, ClaimsPrincipal user, CompareService service, CancellationToken ct) =>
                service.GetReportAsync(user, reportId, ct))
            .WithName("GetCompareReport").WithSummary("State, progress, tick, rows on each side, and missing / extra / different counts");

        reports.MapGet("/differences", (int reportId, int? page, int? pageSize, ClaimsPrincipal user, CompareService service,
                CancellationToken ct) =>
            {
                var size = pageSize ?? 100;
                return service.GetDifferencesAsync(user, reportId, ApiPaging.Offset(page ?? 0, size, 1000), size, ct);
            })
            .WithName("ListCompareDifferences")
            .WithSummary("The differing rows, both sides in the report's column order (page from 0, pageSize 1 to 1000)");

        reports.MapGet("/differences.csv", (int reportId, ClaimsPrincipal user, CompareService service, HttpResponse response,
                CancellationToken ct) => CompareCsv.WriteAsync(service, user, reportId, response, ct))
            .WithName("DownloadCompareDifferences").WithSummary("Every differing row as CSV (an empty cell is SQL NULL, \"\" an empty string)")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");

        reports.MapGet("/repair", (int reportId, ClaimsPrincipal user, RepairService service, CancellationToken ct) =>
                service.PreviewAsync(user, reportId, ct))
            .WithName("PreviewRepair")
            .WithSummary("What a repair from the report would write and delete, with its first statements (Operator)");

        reports.MapPost("/repair", async (int reportId, ClaimsPrincipal user, CompareRequests requests, CancellationToken ct) =>
            {
                var repair = await requests.RepairAsync(user, reportId, ct);
                return TypedResults.Accepted($"/api/compare-reports/{repair.Id}", repair);
            })
            .WithName("Repair")
            .WithSummary("Start a repair in a background job: the report's rows written on the target in one transaction at a consistent "
                + "point, then the table compared again; answers 202 with the repair's own report (repairOf, repairWritten, "
                + "repairDeleted, then the compare's counts). Refused when the report is older than the table's last resync (Operator)");
        return api;
    }
}
