using System.Security.Claims;
using Ferry.Engine.Replication.Ddl;

namespace Ferry.Portal.Api;

/// <summary>
/// DDL through the queue (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md): <c>POST /api/sets/{id}/ddl</c> checks a
/// script, runs it on the root and queues it for every subscriber; <c>POST /api/subscriptions/{id}/ddl/skip</c> skips, on that
/// subscriber only, the script it stopped at, and resumes it. Operators only (the service checks).
/// </summary>
internal static class DdlApi
{
    public static RouteGroupBuilder MapDdlApi(this RouteGroupBuilder api)
    {
        api.MapPost("/sets/{id:int}/ddl", (int id, DdlRequest request, ClaimsPrincipal user, DdlService service, CancellationToken ct) =>
                service.SubmitAsync(user, id, request.Script, ct))
            .WithTags("Sets").WithName("SubmitDdl")
            .WithSummary("Run a DDL script on the root and on every subscriber at its point of the stream (Operator)")
            .WithDescription("Placeholders {{table:schema.name}} and {{sequence:schema.name}} stand for the source's object on the root "
                + "and the rule's target object on each subscriber. Transaction control, session changes and statements that cannot "
                + "run in a transaction are refused (400, naming the statement); so is a script that fails on the root (nothing changed).");

        api.MapPost("/subscriptions/{id:int}/ddl/skip", (int id, ClaimsPrincipal user, DdlService service, CancellationToken ct) =>
                service.SkipAsync(user, id, ct))
            .WithTags("Subscriptions").WithName("SkipDdl")
            .WithSummary("Skip, on this subscriber only, the DDL script it stopped at, and resume it (Operator; 409 when not stopped at one)");
        return api;
    }

    internal sealed record DdlRequest(string? Script);
}
