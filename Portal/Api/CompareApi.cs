using System.Security.Claims;
using System.Text;
using Ferry.Engine.Replication.Compare;
using Ferry.Portal.Jobs;
using Hangfire;

namespace Ferry.Portal.Api;

/// <summary>
/// Compares (docs/decisions/ADR-016-compare-and-repair.md): <c>POST /api/subscriptions/{id}/compare</c> (every ok table) and
/// <c>POST /api/subscriptions/{id}/tables/{tableId}/compare</c> start compares that run as a background job and answer 202
/// with their reports; <c>GET /api/subscriptions/{id}/compare-reports</c> is the history; <c>/api/compare-reports/{reportId}</c>
/// one report, with <c>/differences</c> (pages), <c>/differences.csv</c> (all) and <c>/repair</c> (GET a preview, POST to
/// repair). Operators start and repair, Viewers read.
/// </summary>
internal static class CompareApi
{
    public static RouteGroupBuilder MapCompareApi(this RouteGroupBuilder api)
    {
        var subscriptions = api.MapGroup("/subscriptions/{id:int}").WithTags("Compare");

        subscriptions.MapPost("/compare", async (int id, ClaimsPrincipal user, CompareService service, IBackgroundJobClient jobs,
                CancellationToken ct) =>
            {
                var reports = await service.StartSubscriptionCompareAsync(user, id, ct);
                jobs.Enqueue<CompareJob>(job => job.RunAsync(reports.Select(r => r.Id).ToArray(), CancellationToken.None));
                return TypedResults.Accepted($"/api/subscriptions/{id}/compare-reports", reports);
            })
            .WithName("CompareSubscription")
            .WithSummary("Compare every table that is ok, one after the other, in a background job (Operator)");

        subscriptions.MapPost("/tables/{tableId:int}/compare", async (int id, int tableId, ClaimsPrincipal user, CompareService service,
                IBackgroundJobClient jobs, CancellationToken ct) =>
            {
                var report = await service.StartCompareAsync(user, id, tableId, ct);
                jobs.Enqueue<CompareJob>(job => job.RunAsync(new[] { report.Id }, CancellationToken.None));
                return TypedResults.Accepted($"/api/compare-reports/{report.Id}", report);
            })
            .WithName("CompareTable")
            .WithSummary("Compare a table with its source at one tick, in a background job; refused unless it is ok (Operator)");

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

        reports.MapGet("/differences.csv", async (int reportId, ClaimsPrincipal user, CompareService service, HttpResponse response,
                CancellationToken ct) =>
            {
                var report = await service.GetReportAsync(user, reportId, ct);
                response.ContentType = "text/csv; charset=utf-8";
                response.Headers.ContentDisposition = $"attachment; filename=\"compare-{reportId}.csv\"";
                await using var writer = new StreamWriter(response.Body, new UTF8Encoding(false));
                await writer.WriteLineAsync(Line(["kind", .. report.KeyColumns.Select(k => "key." + k), "columns",
                    .. report.Columns.Select(c => "source." + c), .. report.Columns.Select(c => "target." + c)]));
                await foreach (var row in service.StreamDifferencesAsync(user, reportId, ct))
                {
                    await writer.WriteLineAsync(Line([row.Kind, .. row.Key, string.Join(' ', row.Columns),
                        .. Cells(row.SourceRow, report.Columns.Count), .. Cells(row.TargetRow, report.Columns.Count)]));
                }
            })
            .WithName("DownloadCompareDifferences").WithSummary("Every differing row as CSV (an empty cell is SQL NULL, \"\" an empty string)")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");

        reports.MapGet("/repair", (int reportId, ClaimsPrincipal user, RepairService service, CancellationToken ct) =>
                service.PreviewAsync(user, reportId, ct))
            .WithName("PreviewRepair")
            .WithSummary("What a repair from the report would write and delete, with its first statements (Operator)");

        reports.MapPost("/repair", (int reportId, ClaimsPrincipal user, RepairService service, CancellationToken ct) =>
                service.RepairAsync(user, reportId, ct))
            .WithName("Repair")
            .WithSummary("Write the report's rows on the target in one transaction at a consistent point, then compare again; refused when "
                + "the report is older than the table's last resync (Operator)");
        return api;
    }

    private static IEnumerable<string?> Cells(IReadOnlyList<string?>? row, int count) => row ?? Enumerable.Repeat<string?>(null, count);

    /// <summary>RFC 4180: every non-null value quoted (so that an empty string stays apart from NULL, an empty cell).</summary>
    private static string Line(IEnumerable<string?> cells) =>
        string.Join(',', cells.Select(c => c is null ? "" : "\"" + c.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));
}
