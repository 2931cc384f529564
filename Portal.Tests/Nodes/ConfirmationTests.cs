using Bunit;
using Ferry.Portal.Components.Shared;
using Ferry.Portal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Ferry.Portal.Tests.Nodes;

/// <summary>The shared "are you sure?" dialog every destructive action goes through.</summary>
public sealed class ConfirmationTests : PortalBunitContext
{
    [Fact]
    public async Task Confirm_ReturnsTrue_AndShowsTheMessage()
    {
        var provider = Render<MudDialogProvider>();
        var confirmation = new Confirmation(Services.GetRequiredService<IDialogService>());

        Task<bool>? answer = null;
        await provider.InvokeAsync(() => { answer = confirmation.AskAsync("Remove node", "Remove source?", "Remove"); });
        provider.WaitForAssertion(() => Assert.Contains("Remove source?", provider.Markup, StringComparison.Ordinal));
        Assert.Contains("mud-button-filled-error", provider.Find("[data-testid=confirm-ok]").ClassName, StringComparison.Ordinal);
        provider.Find("[data-testid=confirm-ok]").Click();

        Assert.True(await answer!.WaitAsync(TimeSpan.FromSeconds(5), Xunit.TestContext.Current.CancellationToken));
        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll("[data-testid=confirm-ok]")));
    }

    [Fact]
    public async Task Cancel_ReturnsFalse()
    {
        var provider = Render<MudDialogProvider>();
        var confirmation = new Confirmation(Services.GetRequiredService<IDialogService>());

        Task<bool>? answer = null;
        await provider.InvokeAsync(() => { answer = confirmation.AskAsync("Delete schedule", "Delete nightly?", "Delete"); });
        provider.WaitForAssertion(() => Assert.NotEmpty(provider.FindAll("[data-testid=confirm-cancel]")));
        provider.Find("[data-testid=confirm-cancel]").Click();

        Assert.False(await answer!.WaitAsync(TimeSpan.FromSeconds(5), Xunit.TestContext.Current.CancellationToken));
    }
}
