using MudBlazor;

namespace Ferry.Portal.Components.Layout;

/// <summary>Ferry's colours, light and dark.</summary>
internal static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f5f8b",
            Secondary = "#5c6b73",
            AppbarBackground = "#163f5c",
            Background = "#f5f7f9",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#6fb3e0",
            Secondary = "#a3b1b8",
            AppbarBackground = "#14212b",
        },
        LayoutProperties = new LayoutProperties { DrawerWidthLeft = "220px" },
    };
}
