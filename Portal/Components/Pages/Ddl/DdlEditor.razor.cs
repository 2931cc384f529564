using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Ddl;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Ferry.Portal.Components.Pages.Ddl;

/// <summary>
/// The editor of a DDL script for a set (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md): Operators submit it; the
/// refusal (a statement Ferry cannot carry, a failure on the root) is shown as it is, and nothing changed.
/// </summary>
public sealed partial class DdlEditor
{
    private ClaimsPrincipal _user = new();
    private SetInfo? _set;
    private string? _script;
    private string? _error;
    private DdlSubmitted? _done;
    private bool _running;

    [Parameter] public int SetId { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject] private DdlService Ddl { get; set; } = default!;
    [Inject] private ReplicationStatusQuery Status { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _user = (await AuthenticationState).User;
        _set = (await Status.GetSetsAsync(_user, CancellationToken.None)).SingleOrDefault(s => s.Id == SetId);
    }

    private async Task SubmitAsync()
    {
        _running = true;
        _error = null;
        _done = null;
        try
        {
            _done = await Ddl.SubmitAsync(_user, SetId, _script, CancellationToken.None);
        }
        catch (Exception e) when (e is ReplicationRefusedException or AccessDeniedException)
        {
            _error = e.Message;
        }
        finally
        {
            _running = false;
        }
    }
}
