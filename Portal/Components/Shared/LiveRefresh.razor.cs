using Ferry.Engine.Replication;
using Microsoft.AspNetCore.Components;

namespace Ferry.Portal.Components.Shared;

/// <summary>
/// Keeps a page live: calls <see cref="Refresh"/> when <see cref="ReplicationChanges"/> says a subscription changed (only
/// <see cref="SubscriptionId"/>'s when it is set) and, with <see cref="FollowsClock"/>, on every tick of the
/// <see cref="LagClock"/> (lag grows while nothing changes, so no notification announces it). Renders nothing.
/// </summary>
/// <remarks>
/// Refreshes run on the renderer's context, one at a time: what arrives while one runs is folded into a single refresh after
/// it (a subscription copying many tables announces a change every control poll). A failing refresh goes to the page as
/// its own failure would (<see cref="ComponentBase.DispatchExceptionAsync"/>). The component listens from its first render
/// until it is disposed with the page.
/// </remarks>
public sealed partial class LiveRefresh : IDisposable
{
    private IDisposable? _changes;
    private IDisposable? _clock;
    private bool _refreshing;
    private bool _again;
    private bool _disposed;

    /// <summary>Reads what the page shows again; the page renders after it (it is an event callback).</summary>
    [Parameter, EditorRequired]
    public EventCallback Refresh { get; set; }

    /// <summary>The subscription the page shows; null to follow every subscription.</summary>
    [Parameter]
    public int? SubscriptionId { get; set; }

    /// <summary>Refresh on change notifications (the default).</summary>
    [Parameter]
    public bool FollowsChanges { get; set; } = true;

    /// <summary>Refresh on every tick of the <see cref="LagClock"/> too.</summary>
    [Parameter]
    public bool FollowsClock { get; set; }

    [Inject]
    private ReplicationChanges Changes { get; set; } = default!;

    [Inject]
    private LagClock Clock { get; set; } = default!;

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }
        if (FollowsChanges)
        {
            _changes = Changes.Subscribe(id => _ = InvokeAsync(() => OnChangedAsync(id)));
        }
        if (FollowsClock)
        {
            _clock = Clock.Subscribe(() => _ = InvokeAsync(RefreshAsync));
        }
    }

    private Task OnChangedAsync(int id) => SubscriptionId is { } followed && followed != id ? Task.CompletedTask : RefreshAsync();

    private async Task RefreshAsync()
    {
        if (_disposed)
        {
            return;
        }
        if (_refreshing)
        {
            _again = true;
            return;
        }
        _refreshing = true;
        try
        {
            do
            {
                _again = false;
                await Refresh.InvokeAsync();
            }
            while (_again && !_disposed);
        }
        catch (Exception e)
        {
            await DispatchExceptionAsync(e);
        }
        finally
        {
            _refreshing = false;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _changes?.Dispose();
        _clock?.Dispose();
    }
}
