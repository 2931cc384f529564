namespace Ferry.Engine.LocalServer.Internal;

/// <summary>
/// As root, the server user must be able to run the programs; an install under a private folder (the checkout in
/// /root) is copied once to /var/lib/ferry/pgbin/&lt;version&gt;, which that user can reach.
/// </summary>
internal static class ReachableInstallation
{
    private const string CopyRoot = "/var/lib/ferry/pgbin";

    public static async Task<PostgresInstallation> EnsureAsync(PostgresInstallation installation, CancellationToken cancellationToken)
    {
        if (await ServerUser.CanAsync("-x", installation.Postgres, cancellationToken).ConfigureAwait(false))
        {
            return installation;
        }
        var packageRoot = Path.GetDirectoryName(installation.BinDirectory)!;
        var target = Path.Combine(CopyRoot, installation.Version);
        var targetBin = Path.Combine(target, Path.GetFileName(installation.BinDirectory));
        if (!File.Exists(Path.Combine(targetBin, "postgres")))
        {
            var staging = target + ".part-" + Guid.NewGuid().ToString("N");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await ProcessRunner.RunCheckedAsync("cp", ["-a", packageRoot, staging], null, cancellationToken).ConfigureAwait(false);
            await ProcessRunner.RunCheckedAsync("chmod", ["-R", "go+rX", staging], null, cancellationToken).ConfigureAwait(false);
            try
            {
                Directory.Move(staging, target);
            }
            catch (IOException) when (Directory.Exists(target))
            {
                Directory.Delete(staging, recursive: true); // another process copied it first
            }
            File.SetUnixFileMode("/var/lib/ferry", (UnixFileMode)0b111_101_101);
            File.SetUnixFileMode(CopyRoot, (UnixFileMode)0b111_101_101);
        }
        return installation with { BinDirectory = targetBin };
    }
}
