namespace Ferry.Engine.LocalServer.Internal;

/// <summary>
/// PostgreSQL refuses to run as root. When we are root, the server programs run as an unprivileged OS user
/// (<c>postgres</c>, or <c>FERRY_PG_OS_USER</c>) through <c>runuser</c>; otherwise they run as ourselves.
/// </summary>
internal static class ServerUser
{
    /// <summary>The OS user to run server programs as, or null to run them as the current user.</summary>
    public static string? RunAs => Environment.IsPrivilegedProcess
        ? Environment.GetEnvironmentVariable("FERRY_PG_OS_USER") is { Length: > 0 } user ? user : "postgres"
        : null;

    public static async Task EnsureExistsAsync(CancellationToken cancellationToken)
    {
        if (RunAs is not { } user)
        {
            return;
        }
        var result = await ProcessRunner.RunAsync("id", ["-u", user], null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new LocalServerException(
                $"PostgreSQL cannot run as root, and the OS user '{user}' to run it as does not exist. " +
                "Install Debian's postgresql package (it creates the user 'postgres') or set FERRY_PG_OS_USER to an unprivileged user.");
        }
    }

    /// <summary>True when the server user can use the path in the given way (test(1) flag: -x, -r, -w).</summary>
    public static async Task<bool> CanAsync(string flag, string path, CancellationToken cancellationToken)
    {
        if (RunAs is not { } user)
        {
            return true;
        }
        var result = await ProcessRunner.RunAsync("test", [flag, path], user, cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0;
    }

    /// <summary>Gives a file or folder (recursively) to the server user; a no-op when we are not root.</summary>
    public static async Task GiveAsync(string path, CancellationToken cancellationToken)
    {
        if (RunAs is not { } user)
        {
            return;
        }
        await ProcessRunner.RunCheckedAsync("chown", ["-R", $"{user}:", path], null, cancellationToken).ConfigureAwait(false);
    }
}
