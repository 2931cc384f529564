using Bunit;
using Ferry.Engine.Replication;
using Ferry.Portal.Components.Shared;
using Ferry.Portal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Ferry.Portal.Tests.Components;

/// <summary>
/// The live-refresh component pages share: it refreshes on a change notification of its subscription and on the lag clock's
/// tick (a fake clock, advanced by the test), folds what arrives during a refresh into one more, and stops when disposed.
/// </summary>
public sealed class LiveRefreshTests : PortalBunitContext
{
    private readonly FakeTimeProvider _time;
    private readonly ReplicationChanges _changes;

    public LiveRefreshTests()
        : this(new FakeTimeProvider(), new ReplicationChanges())
    {
    }

    private LiveRefreshTests(FakeTimeProvider time, ReplicationChanges changes)
        : base(time, services => services.AddSingleton(changes).AddSingleton<LagClock>())
    {
        _time = time;
        _changes = changes;
    }

    [Fact]
    public void Refresh_Runs_OnAChangeOfItsSubscription_AndOnEveryTickOfTheClock()
    {
        var mine = 0;
        var every = 0;
        var page = Render<LiveRefresh>(p => p.Add(r => r.Refresh, () => mine++).Add(r => r.SubscriptionId, 7).Add(r => r.FollowsClock, true));
        var other = Render<LiveRefresh>(p => p.Add(r => r.Refresh, () => every++));

        _changes.Raise(8);
        _changes.Raise(7);

        other.WaitForAssertion(() => Assert.Equal(2, every));
        Assert.Equal(1, mine); // subscription 8 is not the page's

        _time.Advance(LagClock.Interval);

        page.WaitForAssertion(() => Assert.Equal(2, mine));
        Assert.Equal(2, every); // it does not follow the clock

        _time.Advance(LagClock.Interval);

        page.WaitForAssertion(() => Assert.Equal(3, mine));
    }

    [Fact]
    public void Refresh_FoldsTheChangesThatArriveWhileItRuns_IntoOneMore()
    {
        var calls = 0;
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var page = Render<LiveRefresh>(p => p.Add(r => r.Refresh, () => ++calls == 1 ? first.Task : Task.CompletedTask));

        _changes.Raise(1);
        page.WaitForAssertion(() => Assert.Equal(1, calls));
        _changes.Raise(1);
        _changes.Raise(2);
        _changes.Raise(3);
        Assert.Equal(1, calls); // the first refresh still runs: the three wait as one
        first.SetResult();

        page.WaitForAssertion(() => Assert.Equal(2, calls));
        _changes.Raise(4);
        page.WaitForAssertion(() => Assert.Equal(3, calls));
    }

    [Fact]
    public async Task Refresh_Stops_WhenTheComponentIsDisposed()
    {
        var gone = 0;
        var disposed = Render<LiveRefresh>(p => p.Add(r => r.Refresh, () => gone++).Add(r => r.FollowsClock, true));
        _changes.Raise(1);
        disposed.WaitForAssertion(() => Assert.Equal(1, gone));

        await DisposeComponentsAsync();
        var kept = 0;
        var live = Render<LiveRefresh>(p => p.Add(r => r.Refresh, () => kept++).Add(r => r.FollowsClock, true));
        _changes.Raise(1);
        _time.Advance(LagClock.Interval);

        // The live one heard both; the disposed one neither.
        live.WaitForAssertion(() => Assert.Equal(2, kept));
        Assert.Equal(1, gone);
    }
}
