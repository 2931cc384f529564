using System.Net;
using System.Text.RegularExpressions;

namespace Ferry.Portal.Tests.Support;

/// <summary>Logs in through the real static login form (antiforgery token and form name included).</summary>
public static partial class LoginClient
{
    /// <summary>Posts the login form; returns the response (302 on success, 200 with an error on failure).</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(
        this HttpClient client, string userName, string password, string? returnUrl = null)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var page = await client.GetStringAsync("/account/login", cancellationToken);
        var token = AntiforgeryToken().Match(page);
        Assert.True(token.Success, "The login page has no antiforgery token.");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["_handler"] = "login",
            ["Input.UserName"] = userName,
            ["Input.Password"] = password,
        });
        var target = "/account/login" + (returnUrl is null ? "" : "?ReturnUrl=" + Uri.EscapeDataString(returnUrl));
        return await client.PostAsync(target, form, cancellationToken);
    }

    /// <summary>Logs in and asserts that it worked.</summary>
    public static async Task LoginAsync(this HttpClient client, string userName, string password)
    {
        using var response = await client.PostLoginAsync(userName, password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    /// <summary>Posts the change-password form (the client must be logged in); 302 on success, 200 with an error otherwise.</summary>
    public static async Task<HttpResponseMessage> PostChangePasswordAsync(this HttpClient client, string current, string replacement)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var page = await client.GetStringAsync("/account/change-password", cancellationToken);
        var token = AntiforgeryToken().Match(page);
        Assert.True(token.Success, "The change-password page has no antiforgery token.");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["_handler"] = "change-password",
            ["Input.CurrentPassword"] = current,
            ["Input.NewPassword"] = replacement,
            ["Input.ConfirmPassword"] = replacement,
        });
        return await client.PostAsync("/account/change-password", form, cancellationToken);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
