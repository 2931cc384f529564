using System.Security.Claims;
using Ferry.Engine.Replication.Catalog;
using Ferry.Engine.Replication.Sequences;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;

namespace Ferry.Portal.Api;

/// <summary>
/// <c>/api/subscriptions/{id}</c> (get with state, lag and tables; delete), <c>/pause</c>, <c>/resume</c>,
/// <c>/tables</c> (list, add; delete and resync one), <c>/catalog</c> (the source's tables to add), <c>/sequences</c> (list,
/// add). Viewers read; Operators change and read the source's catalog.
/// </summary>
internal static class SubscriptionsApi
{
    public static RouteGroupBuilder MapSubscriptionsApi(this RouteGroupBuilder api)
    {
        var subscriptions = api.MapGroup("/subscriptions/{id:int}").WithTags("Subscriptions");

        api.MapGet("/handlers", () => TableHandlerService.List()).WithTags("Subscriptions")
            .WithName("ListHandlers").WithSummary("The handlers a table may use, with a one-line description and their options");

        subscriptions.MapGet("/", (int id, ClaimsPrincipal user, ReplicationStatusQuery status, CancellationToken ct) =>
                status.GetSubscriptionAsync(user, id, ct))
            .WithName("GetSubscription").WithSummary("State, lag, events pending, last tick, tables and sequences");

        subscriptions.MapDelete("/", async (int id, ClaimsPrincipal user, SubscriptionService service, CancellationToken ct) =>
            {
                await service.DropSubscriptionAsync(user, id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteSubscription").WithSummary("Unsubscribe; rows already on the target stay (Operator)");

        subscriptions.MapPost("/pause", (int id, ClaimsPrincipal user, SubscriptionService service, CancellationToken ct) =>
                service.PauseAsync(user, id, ct))
            .WithName("PauseSubscription").WithSummary("Stop applying; nothing is lost (Operator)");

        subscriptions.MapPost("/resume", (int id, ClaimsPrincipal user, SubscriptionService service, CancellationToken ct) =>
                service.ResumeAsync(user, id, ct))
            .WithName("ResumeSubscription").WithSummary("Apply again, also after an error once its cause is fixed (Operator)");

        subscriptions.MapGet("/tables", async (int id, ClaimsPrincipal user, ReplicationStatusQuery status, HttpResponse response,
                int? page, int? pageSize, string? search, CancellationToken ct) =>
            {
                if (page is null && pageSize is null && string.IsNullOrWhiteSpace(search))
                {
                    return (await status.GetSubscriptionAsync(user, id, ct)).Tables;
                }
                ApiPaging.Offset(page ?? 0, pageSize ?? 100, TableQuery.MaxPageSize);
                var tables = await status.GetTablesPageAsync(user, id, new TableQuery(page ?? 0, pageSize ?? 100, search), ct);
                response.Headers["X-Total-Count"] = tables.TotalCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return tables.Items;
            })
            .WithName("ListTables").WithSummary("Each table with its state, copy progress and last error")
            .WithDescription("Without parameters every table. With page (from 0), pageSize (1 to 1000, default 100) or search "
                + "(text in the source, target or state): that page of the tables sorted by source, matching the search; "
                + "header X-Total-Count holds how many match.");

        subscriptions.MapGet("/catalog", (int id, ClaimsPrincipal user, SourceCatalogQuery catalog, CancellationToken ct) =>
                catalog.GetAsync(user, id, ct))
            .WithName("GetSourceCatalog")
            .WithSummary("The source's tables to add: estimated rows, primary key or usable unique indexes, already added (Operator)");

        subscriptions.MapPost("/tables",
                async (int id, TableRequest request, ClaimsPrincipal user, TableRuleService service, CancellationToken ct) =>
                {
                    var table = await service.AddTableAsync(user, id, request.ToRequest(), ct);
                    return TypedResults.Created($"/api/subscriptions/{id}/tables/{table.Id}", table);
                })
            .WithName("AddTable")
            .WithSummary("Add a table (source as schema.table), with its handler and options; keyless tables only with append or partition (Operator)");

        subscriptions.MapPut("/tables/{tableId:int}/handler",
                (int id, int tableId, HandlerRequest request, ClaimsPrincipal user, TableHandlerService service, CancellationToken ct) =>
                    service.SetHandlerAsync(user, id, tableId, request.Handler, request.Options, ct))
            .WithName("SetTableHandler")
            .WithSummary("Choose the table's handler (GET /api/handlers lists them) and its options, checked on the target first (Operator)");

        subscriptions.MapDelete("/tables/{tableId:int}",
                async (int id, int tableId, ClaimsPrincipal user, TableRuleService service, CancellationToken ct) =>
                {
                    await service.RemoveTableAsync(user, id, tableId, ct);
                    return TypedResults.NoContent();
                })
            .WithName("RemoveTable").WithSummary("Stop replicating a table; its rows on the target stay (Operator)");

        subscriptions.MapPost("/tables/{tableId:int}/resync",
                (int id, int tableId, ClaimsPrincipal user, TableRuleService service, CancellationToken ct) =>
                    service.ResyncTableAsync(user, id, tableId, ct))
            .WithName("ResyncTable").WithSummary("Copy the table again; the other tables keep applying (Operator)");

        subscriptions.MapPost("/tables/{tableId:int}/retry",
                (int id, int tableId, ClaimsPrincipal user, TableRuleService service, CancellationToken ct) =>
                    service.RetryTableAsync(user, id, tableId, ct))
            .WithName("RetryTable")
            .WithSummary("Apply a table in error again once its cause is fixed; its changes kept meanwhile come first (Operator)");

        subscriptions.MapGet("/sequences", async (int id, ClaimsPrincipal user, ReplicationStatusQuery status, CancellationToken ct) =>
                (await status.GetSubscriptionAsync(user, id, ct)).Sequences)
            .WithName("ListSequences");

        subscriptions.MapPost("/sequences",
                async (int id, SequenceRequest request, ClaimsPrincipal user, SequenceRuleService service, CancellationToken ct) =>
                {
                    var sequence = await service.AddSequenceAsync(user, id, request.Source ?? "", request.Target, ct);
                    return TypedResults.Created($"/api/subscriptions/{id}/sequences", sequence);
                })
            .WithName("AddSequence").WithSummary("Carry a sequence's value to the target; both must exist (Operator)");
        return api;
    }

    /// <summary>A table as a script adds it: <c>source</c> as <c>schema.table</c>, the rest optional.</summary>
    internal sealed record TableRequest(
        string? Source, string? Target, string? Filter, string? Key, bool? CreateTarget, bool? AddMissingColumns = null,
        string? OwnedRows = null, string? Handler = null, Dictionary<string, string>? HandlerOptions = null)
    {
        public AddTableRequest ToRequest() =>
            new(Source ?? "", Blank(Target), Blank(Filter), Blank(Key), CreateTarget ?? false, AddMissingColumns ?? false,
                Blank(OwnedRows), Blank(Handler), HandlerOptions);

        private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
    }

    internal sealed record SequenceRequest(string? Source, string? Target);

    /// <summary>A table's handler: its name (none for bulk) and options.</summary>
    internal sealed record HandlerRequest(string? Handler, Dictionary<string, string>? Options);
}
