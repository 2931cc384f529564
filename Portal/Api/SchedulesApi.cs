using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Schedules;

namespace Ferry.Portal.Api;

/// <summary>
/// <c>/api/schedules</c>: list and create; <c>/api/schedules/{id}</c>: get, update, delete. Viewers read, Operators
/// change. Each enabled schedule is a Hangfire recurring job (<c>schedule-{id}</c>).
/// </summary>
internal static class SchedulesApi
{
    public static RouteGroupBuilder MapSchedulesApi(this RouteGroupBuilder api)
    {
        var schedules = api.MapGroup("/schedules").WithTags("Schedules");

        schedules.MapGet("/", (ClaimsPrincipal user, ScheduleAdministration service, CancellationToken ct) => service.ListAsync(user, ct))
            .WithName("ListSchedules").WithSummary("Every schedule with its next occurrences");

        schedules.MapPost("/", async (ScheduleRequest request, ClaimsPrincipal user, ScheduleAdministration service, CancellationToken ct) =>
            {
                var schedule = await service.CreateAsync(user, request.ToInput(), ct);
                return TypedResults.Created($"/api/schedules/{schedule.Id}", schedule);
            })
            .WithName("CreateSchedule").WithSummary("Schedule a recurring resync of a table or a subscription (Operator)");

        schedules.MapGet("/{id:int}", (int id, ClaimsPrincipal user, ScheduleAdministration service, CancellationToken ct) =>
                service.GetAsync(user, id, ct))
            .WithName("GetSchedule");

        schedules.MapPut("/{id:int}", (int id, ScheduleRequest request, ClaimsPrincipal user, ScheduleAdministration service, CancellationToken ct) =>
                service.UpdateAsync(user, id, request.ToInput(), ct))
            .WithName("UpdateSchedule").WithSummary("Change a schedule (Operator)");

        schedules.MapDelete("/{id:int}", async (int id, ClaimsPrincipal user, ScheduleAdministration service, CancellationToken ct) =>
            {
                await service.DeleteAsync(user, id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteSchedule").WithSummary("Delete a schedule and its recurring job (Operator)");
        return api;
    }

    /// <summary>
    /// A schedule as a script sends it: <c>kind</c> is ResyncTable or CompareTable (with <c>tableRuleId</c>), ResyncSubscription
    /// or Compare (every table); <c>repairAfter</c> (compares only) repairs each table found different; <c>timeZone</c> defaults
    /// to Etc/UTC, <c>enabled</c> to true.
    /// </summary>
    internal sealed record ScheduleRequest(
        string? Name, string? Cron, string? TimeZone, ScheduleKind? Kind, int? SubscriptionId, int? TableRuleId, bool? Enabled,
        bool? RepairAfter = null)
    {
        public ScheduleInput ToInput() => new(
            Name ?? "", Cron ?? "", TimeZone ?? "Etc/UTC", Kind ?? ScheduleKind.ResyncSubscription, SubscriptionId ?? 0, TableRuleId,
            Enabled ?? true, RepairAfter ?? false);
    }
}
