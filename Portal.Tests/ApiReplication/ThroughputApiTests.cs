using System.Net;
using Ferry.Engine.Control;
using Ferry.Portal.Tests.Api;
using Ferry.Portal.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Portal.Tests.ApiReplication;

/// <summary>
/// <c>GET /api/status/throughput</c>: the last hour of events applied per subscription, as the runners' buckets hold it (the
/// portal's loops are off here, so the test writes the buckets); for Viewers, 401 without a token, 403 without a role.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class ThroughputApiTests(PortalFixture fixture, SeedNodes nodes) : IClassFixture<SeedNodes>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Viewer_GetsTheLastHourOfEachSubscription_AsSixtyPointsPerMinute()
    {
        var (_, id) = await nodes.SubscribeAsync("api_throughput");
        var minute = ThroughputBucket.StartOf(DateTimeOffset.UtcNow);
        var contexts = fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using (var context = await contexts.CreateDbContextAsync(Token))
        {
            context.ThroughputBuckets.AddRange(
                new ThroughputBucket { SubscriptionId = id, BucketStart = minute.AddMinutes(-5), Events = 300 },
                new ThroughputBucket { SubscriptionId = id, BucketStart = minute.AddMinutes(-3), Events = 120 },
                new ThroughputBucket { SubscriptionId = id, BucketStart = minute.AddMinutes(-61), Events = 999 });
            await context.SaveChangesAsync(Token);
        }
        using var viewer = await ApiClient.AsAsync(fixture, "viewer");

        using var response = await viewer.GetAsync($"/api/status/throughput?subscriptionId={id}", Token);

        var series = (await ApiClient.JsonAsync(response)).EnumerateArray().Single();
        Assert.Equal(id, series.GetProperty("subscriptionId").GetInt32());
        Assert.Equal(60, series.GetProperty("bucketSeconds").GetInt32());
        Assert.Equal(420, series.GetProperty("totalEvents").GetInt64());
        Assert.Equal(5, series.GetProperty("peakEventsPerSecond").GetDouble());
        var points = series.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(60, points.Count);
        Assert.Equal(5, points[^6].GetProperty("eventsPerSecond").GetDouble());
        Assert.Equal(120, points[^4].GetProperty("events").GetInt64());
        Assert.Equal(2, points[^4].GetProperty("eventsPerSecond").GetDouble());
        Assert.Equal(minute.AddMinutes(-59), points[0].GetProperty("start").GetDateTimeOffset(), TimeSpan.FromMinutes(1));

        using var all = await viewer.GetAsync("/api/status/throughput", Token);
        Assert.Contains((await ApiClient.JsonAsync(all)).EnumerateArray(), s => s.GetProperty("subscriptionId").GetInt32() == id);
        using var gone = await viewer.GetAsync($"/api/status/throughput?subscriptionId={id + 1000}", Token);
        Assert.Contains("no subscription", await ApiClient.AssertProblemAsync(gone, HttpStatusCode.NotFound), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throughput_Answers401WithoutAToken_And403WithoutARole()
    {
        using var anonymous = ApiClient.Anonymous(fixture);
        using var unauthorized = await anonymous.GetAsync("/api/status/throughput", Token);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);

        await using (var scope = fixture.Portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            if (await users.FindByNameAsync("no-role-throughput") is null)
            {
                Assert.True((await users.CreateAsync(new IdentityUser("no-role-throughput"), PortalFixture.Password)).Succeeded);
            }
        }
        using var roleless = await ApiClient.AsAsync(fixture, "no-role-throughput");
        using var forbidden = await roleless.GetAsync("/api/status/throughput", Token);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheThroughputEndpoint()
    {
        using var client = ApiClient.Anonymous(fixture);
        using var response = await client.GetAsync("/openapi/v1.json", Token);
        var operation = (await ApiClient.JsonAsync(response)).GetProperty("paths").GetProperty("/api/status/throughput").GetProperty("get");
        Assert.Equal("GetThroughput", operation.GetProperty("operationId").GetString());
        Assert.Contains(operation.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "subscriptionId");
    }
}
