using Bunit;
using Ferry.Portal.Components.Account;
using Ferry.Portal.Components.Account.Shared;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Components;

public sealed class LoginFormTests : PortalBunitContext
{
    [Fact]
    public void Form_PostsUserNameAndPassword_WithTheFormName()
    {
        var form = Render<LoginForm>(p => p.Add(f => f.Model, new LoginInput()).Add(f => f.OnLogin, () => { }));

        var html = form.Find("form");
        Assert.Equal("post", html.GetAttribute("method"));
        // The page binds the post to its [SupplyParameterFromForm] property named Input.
        Assert.Equal("Input.UserName", form.Find("#username").GetAttribute("name"));
        Assert.Equal("Input.Password", form.Find("#password").GetAttribute("name"));
        Assert.Equal("password", form.Find("#password").GetAttribute("type"));
        Assert.NotNull(form.Find("#login-submit"));
        Assert.Empty(form.FindAll("[data-testid=login-error]"));
    }

    [Fact]
    public void Submit_ShowsWhatIsMissing_AndDoesNotLogIn_WhenFieldsAreEmpty()
    {
        var called = false;
        var form = Render<LoginForm>(p => p.Add(f => f.Model, new LoginInput()).Add(f => f.OnLogin, () => called = true));

        form.Find("form").Submit();

        Assert.False(called);
        var messages = form.FindAll(".validation-message").Select(m => m.TextContent).ToList();
        Assert.Equal(["Enter your user name.", "Enter your password."], messages);
    }

    [Fact]
    public void Submit_LogsIn_WhenBothFieldsAreFilled()
    {
        var model = new LoginInput();
        var called = false;
        var form = Render<LoginForm>(p => p.Add(f => f.Model, model).Add(f => f.OnLogin, () => called = true));

        form.Find("#username").Change("vera");
        form.Find("#password").Change("secret");
        form.Find("form").Submit();

        Assert.True(called);
        Assert.Equal("vera", model.UserName);
        Assert.Equal("secret", model.Password);
    }

    [Fact]
    public void Error_IsShownAboveTheFields()
    {
        var form = Render<LoginForm>(p => p
            .Add(f => f.Model, new LoginInput())
            .Add(f => f.Error, "Wrong user name or password.")
            .Add(f => f.OnLogin, () => { }));

        Assert.Equal("Wrong user name or password.", form.Find("[data-testid=login-error]").TextContent);
    }
}
