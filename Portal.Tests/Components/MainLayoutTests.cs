using Bunit;
using Ferry.Engine.Control;
using Ferry.Portal.Components.Layout;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Components;

public sealed class MainLayoutTests : PortalBunitContext
{
    private static readonly string[] EveryoneSees = ["Dashboard", "Nodes", "Sets", "Tables", "Schedules", "Alerts", "Audit", "API token"];

    [Fact]
    public void Layout_ShowsTheNavigationAndTheBody_ForAViewer()
    {
        Authorization.SetAuthorized("vera").SetRoles(FerryRoles.Viewer);

        var layout = RenderLayout();

        var links = layout.FindAll("[data-testid=nav] a").Select(a => a.TextContent.Trim()).ToList();
        Assert.Equal(EveryoneSees, links);
        Assert.Equal("page body", layout.Find("#body").TextContent);
        Assert.Equal("vera", layout.Find("[data-testid=user-name]").TextContent);
        Assert.Contains("Viewer", layout.Find("[data-testid=user-role]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Layout_ShowsUsersAndJobs_ForAnAdmin()
    {
        Authorization.SetAuthorized("ada").SetRoles(FerryRoles.Admin).SetPolicies(FerryRoles.Viewer, FerryRoles.Operator, FerryRoles.Admin);

        var layout = RenderLayout();

        var links = layout.FindAll("[data-testid=nav] a").Select(a => a.TextContent.Trim()).ToList();
        Assert.Equal([.. EveryoneSees, "Users", "Jobs"], links);
        Assert.Equal("/jobs", layout.FindAll("[data-testid=nav] a")[^1].GetAttribute("href"));
    }

    [Fact]
    public void ThemeToggle_SwitchesToDark_AndBack()
    {
        Authorization.SetAuthorized("vera").SetRoles(FerryRoles.Viewer);
        var layout = RenderLayout();
        Assert.Equal("light", Theme(layout));

        layout.Find("[data-testid=theme-toggle]").Click();
        Assert.Equal("dark", Theme(layout));
        Assert.Contains("--mud-palette-background: rgba(50,51,61,1)", layout.Markup, StringComparison.Ordinal);

        layout.Find("[data-testid=theme-toggle]").Click();
        Assert.Equal("light", Theme(layout));
    }

    [Fact]
    public void Logout_IsAPostForm()
    {
        Authorization.SetAuthorized("vera").SetRoles(FerryRoles.Viewer);

        var layout = RenderLayout();

        var form = layout.Find("form[action='account/logout']");
        Assert.Equal("post", form.GetAttribute("method"));
    }

    private static string? Theme(IRenderedComponent<MainLayout> layout) =>
        layout.Find("[data-testid=theme-toggle]").GetAttribute("data-theme");

    private IRenderedComponent<MainLayout> RenderLayout() =>
        Render<MainLayout>(parameters => parameters.Add(
            layout => layout.Body,
            builder =>
            {
                builder.OpenElement(0, "p");
                builder.AddAttribute(1, "id", "body");
                builder.AddContent(2, "page body");
                builder.CloseElement();
            }));
}
