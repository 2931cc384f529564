using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Catalog;
using Ferry.Engine.Replication.Tables;
using Microsoft.AspNetCore.Components;

namespace Ferry.Portal.Components.Pages.Tables.Components;

public sealed partial class AddTableForm
{
    private readonly List<(string Source, string Message)> _refusals = [];
    private IReadOnlyCollection<SourceTable> _picked = [];
    private TablePicker? _picker;
    private string? _sources;
    private string? _target;
    private string? _filter;
    private string? _ownedRows;
    private string? _key;
    private bool _createTarget;
    private bool _addMissingColumns;
    private string _handler = "bulk";
    private readonly Dictionary<string, string> _handlerOptions = [];
    private bool _busy;

    /// <summary>Adds one table (the page calls the service with the user); a refusal throws <see cref="ReplicationRefusedException"/>.</summary>
    [Parameter, EditorRequired]
    public required Func<AddTableRequest, Task<TableInfo>> Add { get; set; }

    /// <summary>Called once after a submit with the tables that were added.</summary>
    [Parameter]
    public EventCallback<IReadOnlyList<TableInfo>> Added { get; set; }

    /// <summary>The subscription whose source's tables the picker shows; without it, tables are only typed.</summary>
    [Parameter]
    public int? SubscriptionId { get; set; }

    /// <summary>The chosen handler takes tables without a key (append, partition): no key warning then.</summary>
    private bool KeylessHandler => TableHandlerService.List().Any(h => h.Name == _handler && !h.NeedsKey);

    private string AddLabel => Sources().Count switch
    {
        0 or 1 => "Add",
        var n => $"Add {n} tables",
    };

    /// <summary>The requests the form makes from its fields: one per source line, the target's schema renamed when it is one name.</summary>
    public static IReadOnlyList<AddTableRequest> Requests(
        string? sources, string? target, string? filter, string? key, bool createTarget, bool addMissingColumns = false) =>
        [.. Lines(sources).Select(source => Request(source, target, filter, key, createTarget, addMissingColumns))];

    /// <summary>
    /// The target's name for a source: none (the source's), <paramref name="target"/> when it is <c>schema.table</c>, or the source
    /// table's name in schema <paramref name="target"/> (a quoted name may hold dots).
    /// </summary>
    public static string? TargetFor(string source, string? target)
    {
        target = string.IsNullOrWhiteSpace(target) ? null : target.Trim();
        return target switch
        {
            null => null,
            _ when LastDot(target) >= 0 => target,
            _ => $"{target}.{source[(LastDot(source) + 1)..].Trim()}",
        };
    }

    private static AddTableRequest Request(
        string source, string? target, string? filter, string? key, bool createTarget, bool addMissingColumns) => new(
        source, TargetFor(source, target), string.IsNullOrWhiteSpace(filter) ? null : filter.Trim(),
        string.IsNullOrWhiteSpace(key) ? null : key.Trim(), createTarget, addMissingColumns);

    private static string[] Lines(string? sources) =>
        (sources ?? "").Split(['\n', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The last dot outside double quotes; -1 when there is none.</summary>
    private static int LastDot(string name)
    {
        var last = -1;
        var quoted = false;
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] == '"')
            {
                quoted = !quoted; // a doubled quote inside a quoted name flips twice
            }
            else if (name[i] == '.' && !quoted)
            {
                last = i;
            }
        }
        return last;
    }

    /// <summary>What the form adds: the picked tables, then the typed names that are not picked.</summary>
    private List<(string Source, SourceTable? Picked)> Sources() =>
    [
        .. _picked.OrderBy(t => t.Text, StringComparer.Ordinal).Select(t => (t.Text, (SourceTable?)t)),
        .. Lines(_sources).Where(line => _picked.All(t => t.Text != line)).Distinct(StringComparer.Ordinal)
            .Select(line => (line, (SourceTable?)null)),
    ];

    private static string Note(SourceTable table) => table.KeyIndexes.Count > 0
        ? $"{table.Text} has no primary key: its unique index \"{table.KeyIndexes[0].Name}\" "
          + $"({string.Join(", ", table.KeyIndexes[0].Columns)}) will be the key, unless you name another under Key index."
        : table.KeyNote!;

    private async Task SubmitAsync()
    {
        _busy = true;
        _refusals.Clear();
        var added = new List<TableInfo>();
        var failedTyped = new List<string>();
        var failedPicked = new List<SourceTable>();
        try
        {
            foreach (var (source, picked) in Sources())
            {
                // A picked table without a primary key gets the unique index capture would use, unless a key was typed.
                var key = string.IsNullOrWhiteSpace(_key) && picked is { PrimaryKey.Count: 0, KeyIndexes: [var index, ..] }
                    ? index.Name
                    : _key;
                var request = Request(source, _target, _filter, key, _createTarget, _addMissingColumns) with
                {
                    OwnedRows = string.IsNullOrWhiteSpace(_ownedRows) ? null : _ownedRows.Trim(),
                    Handler = _handler, HandlerOptions = new Dictionary<string, string>(_handlerOptions, StringComparer.Ordinal),
                };
                try
                {
                    added.Add(await Add(request));
                }
                catch (Exception e) when (e is ReplicationRefusedException or Ferry.Engine.Rules.TableRuleException)
                {
                    _refusals.Add((request.Source, e.Message));
                    if (picked is null)
                    {
                        failedTyped.Add(source);
                    }
                    else
                    {
                        failedPicked.Add(picked);
                    }
                }
            }
            // What was refused stays (typed or picked) to fix and retry; what was added goes.
            _sources = string.Join('\n', failedTyped);
            _picked = failedPicked;
        }
        finally
        {
            _busy = false;
        }
        if (added.Count > 0)
        {
            await Added.InvokeAsync(added);
            if (_picker is not null)
            {
                await _picker.ReloadAsync();
            }
        }
    }
}
