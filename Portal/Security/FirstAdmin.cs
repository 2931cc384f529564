using System.Security.Cryptography;
using Ferry.Engine.Control;
using Ferry.Portal.Hosting;
using Microsoft.AspNetCore.Identity;

namespace Ferry.Portal.Security;

/// <summary>
/// Makes sure the roles exist and that someone can log in: when no Admin exists, creates one named by
/// <c>FERRY_ADMIN_USER</c> (default <c>admin</c>) with the password of <c>FERRY_ADMIN_PASSWORD</c>, or with a generated
/// password printed once to the console (never to the log) and written to <c>&lt;data&gt;/first-admin-password</c>
/// (0600; service managers keep the console in their logs, the file can be read and removed). A generated password must
/// be replaced at the first login (<see cref="PasswordChange"/>); the file goes with it.
/// </summary>
public sealed partial class FirstAdmin(
    RoleManager<IdentityRole> roles, UserManager<IdentityUser> users, IConfiguration configuration, PortalDataFolder dataFolder,
    ILogger<FirstAdmin> logger)
{
    public async Task EnsureAsync()
    {
        foreach (var role in FerryRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), $"create role {role}");
            }
        }
        if ((await users.GetUsersInRoleAsync(FerryRoles.Admin)).Count > 0)
        {
            return;
        }

        var userName = configuration["FERRY_ADMIN_USER"] is { Length: > 0 } name ? name : "admin";
        var password = configuration["FERRY_ADMIN_PASSWORD"];
        var generated = string.IsNullOrEmpty(password);
        if (generated)
        {
            password = NewPassword();
        }
        var user = await users.FindByNameAsync(userName);
        if (user is null)
        {
            user = new IdentityUser(userName);
            Check(await users.CreateAsync(user, password!), $"create the first admin '{userName}'");
        }
        else
        {
            // A user of that name exists without the Admin role: give it the password and the role.
            Check(await users.RemovePasswordAsync(user), $"reset the password of '{userName}'");
            Check(await users.AddPasswordAsync(user, password!), $"set the password of '{userName}'");
        }
        Check(await users.AddToRoleAsync(user, FerryRoles.Admin), $"make '{userName}' an Admin");

        if (generated)
        {
            Check(await users.AddClaimAsync(user, PasswordChange.Claim), $"ask '{userName}' for a new password at the first login");
            var file = dataFolder.FirstAdminPasswordFile;
            Directory.CreateDirectory(dataFolder.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await SecretFiles.WriteAsync(file, $"user {userName}\npassword {password}\n", CancellationToken.None);
            Console.WriteLine();
            Console.WriteLine("  ┌──────────────────────────────────────────────────────────────────────");
            Console.WriteLine($"  │ Ferry's first administrator: user '{userName}', password '{password}'");
            Console.WriteLine($"  │ Also written to {file} (0600).");
            Console.WriteLine("  │ The first login asks for a new password; the file is deleted then. Set FERRY_ADMIN_USER and");
            Console.WriteLine("  │ FERRY_ADMIN_PASSWORD before the first start to choose them instead.");
            Console.WriteLine("  └──────────────────────────────────────────────────────────────────────");
            Console.WriteLine();
            LogGenerated(logger, userName, file);
        }
        else
        {
            LogFromEnvironment(logger, userName);
        }
    }

    /// <summary>A password that passes the portal's policy: 16 letters and digits with at least one of each class.</summary>
    public static string NewPassword()
    {
        const string alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        while (true)
        {
            var password = RandomNumberGenerator.GetString(alphabet, 16);
            if (password.Any(char.IsLower) && password.Any(char.IsUpper) && password.Any(char.IsDigit))
            {
                return password;
            }
        }
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"Could not {what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }

    // Event ids 2100-2149: the portal's security (docs/architecture.md lists the range of every area).
    [LoggerMessage(2100, LogLevel.Warning,
        "Created the first Admin '{UserName}' with a generated password, printed once to the console and written to {File}; it must be replaced at the first login")]
    private static partial void LogGenerated(ILogger logger, string userName, string file);

    [LoggerMessage(2101, LogLevel.Information, "Created the first Admin '{UserName}' from FERRY_ADMIN_USER / FERRY_ADMIN_PASSWORD")]
    private static partial void LogFromEnvironment(ILogger logger, string userName);
}
