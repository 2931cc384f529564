using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Ferry.Portal.Tests.Api;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Http;

/// <summary>A first start without FERRY_ADMIN_PASSWORD: the portal generates the first Admin's password.</summary>
public sealed class GeneratedAdminPortal : OwnPortal
{
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), $"ferry-first-admin-{Guid.NewGuid():N}");

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["FERRY_ADMIN_PASSWORD"] = "",
        ["Portal:DataDirectory"] = DataDirectory,
    };

    public string PasswordFile => Path.Combine(DataDirectory, "first-admin-password");
}

/// <summary>
/// The generated password is written to a 0600 file besides the console, and must be replaced at the first login: until
/// then every page leads to the change page and the API gives no token.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class FirstAdminTests(GeneratedAdminPortal portal) : IClassFixture<GeneratedAdminPortal>, IDisposable
{
    private const string NewPassword = "Chosen-By-The-Admin-42";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GeneratedPassword_IsInA0600File_AndMustBeReplacedBeforeAnythingElse()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(portal.PasswordFile));
        var generated = Password().Match(await File.ReadAllTextAsync(portal.PasswordFile, Token)).Groups[1].Value;
        Assert.Equal(16, generated.Length);
        Assert.Contains(portal.Portal.Logs.Messages, m => m.Contains(portal.PasswordFile, StringComparison.Ordinal));
        Assert.DoesNotContain(portal.Portal.Logs.Messages, m => m.Contains(generated, StringComparison.Ordinal));
        using var client = portal.NewClient();

        using (var token = await client.PostAsJsonAsync("/api/auth/token", new { userName = PortalFactory.AdminUser, password = generated }, Token))
        {
            Assert.Contains("must be replaced first", await ApiClient.AssertProblemAsync(token, HttpStatusCode.Forbidden), StringComparison.Ordinal);
        }
        using (var login = await client.PostLoginAsync(PortalFactory.AdminUser, generated, "/nodes"))
        {
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
            Assert.Equal("/account/change-password?returnUrl=%2Fnodes", PathOf(login.Headers.Location!));
        }
        using (var page = await client.GetAsync("/users", Token))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.StartsWith("/account/change-password?returnUrl=%2Fusers", PathOf(page.Headers.Location!), StringComparison.Ordinal);
        }
        Assert.Contains("was generated when Ferry was set up", await client.GetStringAsync("/account/change-password", Token), StringComparison.Ordinal);

        using (var same = await client.PostChangePasswordAsync(generated, generated))
        {
            Assert.Contains("other than the current one", await same.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        }
        using (var changed = await client.PostChangePasswordAsync(generated, NewPassword))
        {
            Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        }

        using (var users = await client.GetAsync("/users", Token))
        {
            Assert.Equal(HttpStatusCode.OK, users.StatusCode);
        }
        Assert.False(File.Exists(portal.PasswordFile));
        using var withNew = await client.PostAsJsonAsync("/api/auth/token", new { userName = PortalFactory.AdminUser, password = NewPassword }, Token);
        Assert.Equal(HttpStatusCode.OK, withNew.StatusCode);
        using var withOld = await client.PostAsJsonAsync("/api/auth/token", new { userName = PortalFactory.AdminUser, password = generated }, Token);
        Assert.Equal(HttpStatusCode.Unauthorized, withOld.StatusCode);
    }

    public void Dispose()
    {
        if (Directory.Exists(portal.DataDirectory))
        {
            Directory.Delete(portal.DataDirectory, recursive: true);
        }
    }

    private static string PathOf(Uri location) => location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString;

    [GeneratedRegex("password (\\S+)")]
    private static partial Regex Password();
}
