using Ferry.Engine.Replication;
using Microsoft.AspNetCore.Components;

namespace Ferry.Portal.Components.Pages.Tables.Components;

public sealed partial class AddTableForm
{
    private readonly List<(string Source, string Message)> _refusals = [];
    private string? _sources;
    private string? _target;
    private string? _filter;
    private string? _key;
    private bool _createTarget;
    private bool _busy;

    /// <summary>Adds one table (the page calls the service with the user); a refusal throws <see cref="ReplicationRefusedException"/>.</summary>
    [Parameter, EditorRequired]
    public required Func<AddTableRequest, Task<TableInfo>> Add { get; set; }

    /// <summary>Called once after a submit with the tables that were added.</summary>
    [Parameter]
    public EventCallback<IReadOnlyList<TableInfo>> Added { get; set; }

    /// <summary>The requests the form makes from its fields: one per source line, the target's schema renamed when it is one name.</summary>
    public static IReadOnlyList<AddTableRequest> Requests(string? sources, string? target, string? filter, string? key, bool createTarget)
    {
        var lines = (sources ?? "").Split(['\n', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        target = string.IsNullOrWhiteSpace(target) ? null : target.Trim();
        return [.. lines.Select(source => new AddTableRequest(
            source,
            target switch
            {
                null => null,
                _ when target.Contains('.', StringComparison.Ordinal) => target,
                _ => $"{target}.{source[(source.LastIndexOf('.') + 1)..]}",
            },
            string.IsNullOrWhiteSpace(filter) ? null : filter.Trim(),
            string.IsNullOrWhiteSpace(key) ? null : key.Trim(),
            createTarget))];
    }

    private async Task SubmitAsync()
    {
        _busy = true;
        _refusals.Clear();
        var added = new List<TableInfo>();
        var failed = new List<string>();
        try
        {
            foreach (var request in Requests(_sources, _target, _filter, _key, _createTarget))
            {
                try
                {
                    added.Add(await Add(request));
                }
                catch (Exception e) when (e is ReplicationRefusedException or Ferry.Engine.Rules.TableRuleException)
                {
                    _refusals.Add((request.Source, e.Message));
                    failed.Add(request.Source);
                }
            }
            // What was refused stays in the box to fix and retry; what was added goes.
            _sources = string.Join('\n', failed);
        }
        finally
        {
            _busy = false;
        }
        if (added.Count > 0)
        {
            await Added.InvokeAsync(added);
        }
    }
}
