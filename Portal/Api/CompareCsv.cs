using System.Security.Claims;
using System.Text;
using Ferry.Engine.Replication.Compare;

namespace Ferry.Portal.Api;

/// <summary>
/// A compare report's differing rows as CSV, streamed from the control database: for <c>/api</c> and for the portal's own
/// download link (<c>/compare-reports/{id}/differences.csv</c>, the signed-in cookie). Viewers and above.
/// </summary>
internal static class CompareCsv
{
    public static async Task WriteAsync(CompareService service, ClaimsPrincipal user, int reportId, HttpResponse response, CancellationToken ct)
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
    }

    private static IEnumerable<string?> Cells(IReadOnlyList<string?>? row, int count) => row ?? Enumerable.Repeat<string?>(null, count);

    /// <summary>RFC 4180: every non-null value quoted (so that an empty string stays apart from NULL, an empty cell).</summary>
    private static string Line(IEnumerable<string?> cells) =>
        string.Join(',', cells.Select(c => c is null ? "" : "\"" + c.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));
}
