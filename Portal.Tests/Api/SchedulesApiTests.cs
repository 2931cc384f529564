using System.Net;
using System.Net.Http.Json;
using Ferry.Engine.Control;
using Ferry.Portal.Jobs;
using Ferry.Portal.Tests.Schedules;
using Ferry.Portal.Tests.Support;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Portal.Tests.Api;

[Collection(PortalCollection.Name)]
public sealed class SchedulesApiTests(PortalFixture fixture) : IAsyncLifetime
{
    private const string Prefix = "sched-api";
    private ScheduleTargets? _targets;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private ScheduleTargets Targets => _targets!;

    public async ValueTask InitializeAsync() => _targets = await ScheduleTargets.CreateAsync(fixture, Prefix);

    public async ValueTask DisposeAsync() => await ScheduleTargets.RemoveAsync(fixture, Prefix);

    [Fact]
    public async Task Operator_CreatesUpdatesAndDeletesASchedule_AndItsRecurringJobFollows()
    {
        using var operatorClient = await ApiClient.AsAsync(fixture, "operator");

        using var created = await operatorClient.PostAsJsonAsync("/api/schedules", new
        {
            name = "sched-api nightly",
            cron = "30 2 * * *",
            timeZone = "Europe/Berlin",
            kind = "ResyncTable",
            subscriptionId = Targets.SubscriptionId,
            tableRuleId = Targets.TableRuleId,
        }, Token);
        var schedule = await ApiClient.JsonAsync(created, HttpStatusCode.Created);
        var id = schedule.GetProperty("id").GetInt32();
        Assert.Equal("public.user_info", schedule.GetProperty("table").GetString());
        Assert.Equal(5, schedule.GetProperty("nextOccurrences").GetArrayLength());
        var first = schedule.GetProperty("nextOccurrences")[0].GetDateTimeOffset();
        Assert.Equal(2, TimeZoneInfo.ConvertTime(first, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).Hour);
        var job = RecurringJob($"schedule-{id}");
        Assert.NotNull(job);
        Assert.Equal("30 2 * * *", job.Cron);
        Assert.Equal("Europe/Berlin", job.TimeZoneId);

        using var updated = await operatorClient.PutAsJsonAsync($"/api/schedules/{id}", new
        {
            name = "sched-api nightly",
            cron = "0 4 * * 0",
            kind = "ResyncSubscription",
            subscriptionId = Targets.SubscriptionId,
        }, Token);
        Assert.Equal("ResyncSubscription", (await ApiClient.JsonAsync(updated)).GetProperty("kind").GetString());
        Assert.Equal("0 4 * * 0", RecurringJob($"schedule-{id}")!.Cron);

        using var list = await operatorClient.GetAsync("/api/schedules", Token);
        Assert.Contains((await ApiClient.JsonAsync(list)).EnumerateArray(), s => s.GetProperty("id").GetInt32() == id);

        using var deleted = await operatorClient.DeleteAsync($"/api/schedules/{id}", Token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Null(RecurringJob($"schedule-{id}"));
    }

    [Fact]
    public async Task Create_IsRefused_WithProblemDetails_ForABadCronAnUnknownZoneAndAMissingTable()
    {
        using var operatorClient = await ApiClient.AsAsync(fixture, "operator");

        using var response = await operatorClient.PostAsJsonAsync("/api/schedules", new
        {
            name = "sched-api bad",
            cron = "61 * * * *",
            timeZone = "Mars/Olympus",
            kind = "ResyncTable",
            subscriptionId = Targets.SubscriptionId,
        }, Token);

        var detail = await ApiClient.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("'61 * * * *' is not a valid cron expression", detail, StringComparison.Ordinal);
        Assert.Contains("Unknown time zone 'Mars/Olympus'", detail, StringComparison.Ordinal);
        Assert.Contains("A table resync needs the table", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_IsRefused_ForAnUnknownSubscription_AndDeleteOfAnUnknownScheduleIsNotFound()
    {
        using var operatorClient = await ApiClient.AsAsync(fixture, "operator");

        using var response = await operatorClient.PostAsJsonAsync("/api/schedules", new
        {
            name = "sched-api orphan", cron = "0 * * * *", kind = "ResyncSubscription", subscriptionId = 999_999,
        }, Token);
        using var missing = await operatorClient.DeleteAsync("/api/schedules/999999", Token);

        Assert.Contains("no subscription with id 999999", await ApiClient.AssertProblemAsync(response, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        await ApiClient.AssertProblemAsync(missing, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Viewer_ListsSchedules_ButMayNotCreateOrDelete()
    {
        using var operatorClient = await ApiClient.AsAsync(fixture, "operator");
        using var created = await operatorClient.PostAsJsonAsync("/api/schedules", new
        {
            name = "sched-api viewer", cron = "0 * * * *", kind = "ResyncSubscription", subscriptionId = Targets.SubscriptionId,
        }, Token);
        var id = (await ApiClient.JsonAsync(created, HttpStatusCode.Created)).GetProperty("id").GetInt32();
        using var viewer = await ApiClient.AsAsync(fixture, "viewer");

        using var list = await viewer.GetAsync("/api/schedules", Token);
        using var create = await viewer.PostAsJsonAsync("/api/schedules", new
        {
            name = "sched-api by viewer", cron = "0 * * * *", kind = "ResyncSubscription", subscriptionId = Targets.SubscriptionId,
        }, Token);
        using var delete = await viewer.DeleteAsync($"/api/schedules/{id}", Token);

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains("needs the role Operator", await ApiClient.AssertProblemAsync(create, HttpStatusCode.Forbidden), StringComparison.Ordinal);
        await ApiClient.AssertProblemAsync(delete, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task ScheduledRun_RecordsThatResyncIsNotAvailableYet_InsteadOfPretending()
    {
        using var operatorClient = await ApiClient.AsAsync(fixture, "operator");
        using var created = await operatorClient.PostAsJsonAsync("/api/schedules", new
        {
            name = "sched-api run", cron = "0 * * * *", kind = "ResyncSubscription", subscriptionId = Targets.SubscriptionId,
        }, Token);
        var id = (await ApiClient.JsonAsync(created, HttpStatusCode.Created)).GetProperty("id").GetInt32();
        var job = fixture.Portal.Services.GetRequiredService<ScheduledResyncJob>();

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => job.RunAsync(id, Token));

        Assert.Contains("not available yet", error.Message, StringComparison.Ordinal);
        using var audit = await operatorClient.GetAsync("/api/audit?action=resync-not-available&user=sched-api%20run", Token);
        var entries = (await ApiClient.JsonAsync(audit)).GetProperty("items");
        Assert.Contains(entries.EnumerateArray(), e => e.GetProperty("entityId").GetString() == Targets.SubscriptionId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private RecurringJobDto? RecurringJob(string id)
    {
        using var connection = fixture.Portal.Services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetRecurringJobs([id]).SingleOrDefault(j => !j.Removed && j.Job is not null);
    }
}
