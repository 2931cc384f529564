using System.Security.Claims;
using Ferry.Engine.Errors;
using Ferry.Engine.Replication.Errors;

namespace Ferry.Portal.Api;

/// <summary>
/// The error history (docs/decisions/ADR-017-error-history.md): <c>GET /api/subscriptions/{id}/errors</c> lists a subscription's
/// error groups (<c>tableId</c> for one table, <c>open</c> for the open ones); <c>/api/errors/{groupId}</c> is one group, with
/// <c>/occurrences</c>, and <c>/retry</c>, <c>/skip</c> (with a reason) and <c>/resync</c> to act on it. Viewers read (without
/// row data), Operators act.
/// </summary>
internal static class ErrorsApi
{
    public static RouteGroupBuilder MapErrorsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/subscriptions/{id:int}/errors", (int id, int? tableId, bool? open, int? take, ClaimsPrincipal user,
                ErrorHistory history, CancellationToken ct) => history.GroupsAsync(user, id, tableId, open ?? false, take ?? 100, ct))
            .WithTags("Errors").WithName("ListErrorGroups")
            .WithSummary("Error groups of a subscription, newest first: one per cause (table, SQLSTATE, message) with a count");

        var groups = api.MapGroup("/errors/{groupId:long}").WithTags("Errors");

        groups.MapGet("/", (long groupId, ClaimsPrincipal user, ErrorHistory history, CancellationToken ct) =>
                history.GroupAsync(user, groupId, ct))
            .WithName("GetErrorGroup").WithSummary("One error group: cause, count, first and last seen, how it ended");

        groups.MapGet("/occurrences", (long groupId, ClaimsPrincipal user, ErrorHistory history, CancellationToken ct) =>
                history.OccurrencesAsync(user, groupId, ct))
            .WithName("ListErrorOccurrences")
            .WithSummary("The latest occurrences with their batch and failing event; key, row and detail for Operators only");

        groups.MapPost("/retry", (long groupId, ClaimsPrincipal user, ErrorActions actions, CancellationToken ct) =>
                actions.RetryAsync(user, groupId, ct))
            .WithName("RetryErrorGroup").WithSummary("Apply the table again (its kept events first), or resume the subscription (Operator)");

        groups.MapPost("/skip", (long groupId, SkipRequest request, ClaimsPrincipal user, ErrorActions actions, CancellationToken ct) =>
                actions.SkipAsync(user, groupId, request.Reason, ct))
            .WithName("SkipFailingEvent")
            .WithSummary("Leave out exactly the failing event and apply the rest; audited with the reason; the table then needs a "
                + "compare (Operator)");

        groups.MapPost("/resync", (long groupId, ClaimsPrincipal user, ErrorActions actions, CancellationToken ct) =>
                actions.ResyncAsync(user, groupId, ct))
            .WithName("ResyncErrorTable").WithSummary("Copy the table again (Operator)");
        return api;
    }

    /// <summary>Why the event is skipped (required; it goes into the audit trail).</summary>
    internal sealed record SkipRequest(string? Reason);
}
