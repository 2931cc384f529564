using Bunit;
using Bunit.TestDoubles;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace Ferry.Portal.Tests.Support;

/// <summary>
/// bUnit with MudBlazor's services, loose JS interop (MudBlazor calls JS we do not fake) and instant snackbars; with
/// <paramref name="time"/>, components read that clock (MudBlazor registers the system clock, so it is replaced here,
/// before the first service is resolved); <paramref name="services"/> adds the test's own services, also before.
/// </summary>
public abstract class PortalBunitContext : BunitContext
{
    protected BunitAuthorizationContext Authorization { get; }

    protected PortalBunitContext(TimeProvider? time = null, Action<IServiceCollection>? services = null)
    {
        Services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.ShowTransitionDuration = 0;
            options.SnackbarConfiguration.HideTransitionDuration = 0;
        });
        if (time is not null)
        {
            Services.AddSingleton(time);
        }
        services?.Invoke(Services);
        JSInterop.Mode = JSRuntimeMode.Loose;
        // Registered before the first service is resolved; tests set the user with Authorization.SetAuthorized(...).
        Authorization = AddAuthorization();
        // Components render as in the portal: interactive on the server.
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
    }
}
