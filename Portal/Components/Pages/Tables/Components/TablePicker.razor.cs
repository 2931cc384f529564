using System.Security.Claims;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Catalog;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Ferry.Portal.Components.Pages.Tables.Components;

/// <summary>
/// Browses the tables of a subscription's source (<see cref="SourceCatalogQuery"/>): search, sort, page and pick many. Tables
/// without a key stay pickable, so adding them shows the engine's refusal; tables the subscription has already are not.
/// </summary>
public sealed partial class TablePicker
{
    private SourceCatalog? _catalog;
    private string? _error;
    private string? _search;
    private HashSet<SourceTable> _selected = [];
    private ClaimsPrincipal _user = new();

    [Parameter, EditorRequired]
    public required int SubscriptionId { get; set; }

    /// <summary>The picked tables; never one the subscription has already.</summary>
    [Parameter]
    public IReadOnlyCollection<SourceTable> Selected { get; set; } = [];

    [Parameter]
    public EventCallback<IReadOnlyCollection<SourceTable>> SelectedChanged { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private SourceCatalogQuery Catalog { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _user = (await AuthenticationState).User;
        await ReloadAsync();
    }

    protected override void OnParametersSet()
    {
        // The grid keeps the set it was given: replace it only when the picked tables really changed (after an add).
        var wanted = Pickable(Selected);
        if (!wanted.SetEquals(_selected))
        {
            _selected = wanted;
        }
    }

    /// <summary>Reads the catalog again (after tables were added, they show as added); keeps what is still pickable picked.</summary>
    public async Task ReloadAsync()
    {
        _error = null;
        try
        {
            _catalog = await Catalog.GetAsync(_user, SubscriptionId, CancellationToken.None);
        }
        catch (ReplicationRefusedException e)
        {
            _error = e.Message;
            _catalog = null;
        }
        var still = Pickable(Selected);
        if (still.Count != Selected.Count)
        {
            await SelectedChanged.InvokeAsync([.. still]);
        }
        _selected = still;
        StateHasChanged();
    }

    private async Task SelectAsync(HashSet<SourceTable> items)
    {
        _selected = [.. items.Where(t => !t.Added)];
        await SelectedChanged.InvokeAsync([.. _selected]);
    }

    /// <summary>The catalog's rows for <paramref name="tables"/> (matched by schema and name), without the ones added already.</summary>
    private HashSet<SourceTable> Pickable(IReadOnlyCollection<SourceTable> tables)
    {
        if (_catalog is null || tables.Count == 0)
        {
            return [];
        }
        var names = tables.Select(t => (t.Schema, t.Name)).ToHashSet();
        return [.. _catalog.Tables.Where(t => !t.Added && names.Contains((t.Schema, t.Name)))];
    }

    private bool Matches(SourceTable table) =>
        string.IsNullOrWhiteSpace(_search)
        || table.Text.Contains(_search.Trim(), StringComparison.OrdinalIgnoreCase)
        || $"{table.Schema}.{table.Name}".Contains(_search.Trim(), StringComparison.OrdinalIgnoreCase);

    private static object KeyOrder(SourceTable table) => table.PrimaryKey.Count > 0 ? 0 : table.KeyIndexes.Count > 0 ? 1 : 2;
}
