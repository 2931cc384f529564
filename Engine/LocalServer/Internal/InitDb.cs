namespace Ferry.Engine.LocalServer.Internal;

/// <summary>Creates a new cluster in an empty data folder with initdb, as the server user.</summary>
internal static class InitDb
{
    /// <summary>
    /// Runs initdb; with a superuser password, password authentication (scram-sha-256) through a temporary password file
    /// created 0600 (see <see cref="SecretFile"/>) and deleted at once; without one, trust on loopback (tests only).
    /// </summary>
    public static async Task RunAsync(
        PostgresInstallation installation, string dataDirectory, string superuser, string? password, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDirectory);
        await ServerUser.GiveAsync(dataDirectory, cancellationToken).ConfigureAwait(false);

        var args = new List<string> { "-D", dataDirectory, "-U", superuser, "-E", "UTF8", "--locale=C.UTF-8" };
        if (installation.Major >= 14)
        {
            args.Add("--no-instructions");
        }
        string? passwordFile = null;
        try
        {
            if (password is not null)
            {
                passwordFile = Path.Combine(Path.GetTempPath(), $"ferry-pw-{Guid.NewGuid():N}");
                await SecretFile.WriteAsync(passwordFile, password + "\n", cancellationToken).ConfigureAwait(false);
                await ServerUser.GiveAsync(passwordFile, cancellationToken).ConfigureAwait(false);
                args.AddRange(["--auth=scram-sha-256", $"--pwfile={passwordFile}"]);
            }
            else
            {
                args.Add("--auth=trust");
            }
            await ProcessRunner.RunCheckedAsync(installation.InitDb, args, ServerUser.RunAs, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            throw;
        }
        finally
        {
            if (passwordFile is not null)
            {
                File.Delete(passwordFile);
            }
        }

        var conf = Path.Combine(dataDirectory, "postgresql.conf");
        await File.AppendAllTextAsync(conf, FerryConf.IncludeLine, cancellationToken).ConfigureAwait(false);
    }
}
