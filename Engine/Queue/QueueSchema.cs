using System.Globalization;
using System.Reflection;
using Npgsql;

namespace Ferry.Engine.Queue;

/// <summary>
/// Installs and upgrades the queue's SQL (schema <c>ferry</c>) in a node database. The scripts are embedded
/// resources <c>Engine/Sql/Queue/v&lt;N&gt;/*.sql</c>: folder <c>v1</c> installs version 1, each later folder upgrades
/// from the version before it; files run in name order. The version lives in <c>ferry.schema_version</c>
/// (component <c>queue</c>).
/// </summary>
/// <remarks>
/// Everything runs in one transaction under a transaction-level advisory lock, so two installers racing on one
/// database apply each version once, and a failed upgrade leaves the previous version intact. No superuser is
/// needed: the role must be able to create schema <c>ferry</c> (CREATE on the database, or the schema already
/// exists and is its own) and own the tables that will be captured.
/// </remarks>
public static class QueueSchema
{
    /// <summary>The newest schema version this engine knows.</summary>
    public static int LatestVersion => Scripts.Value.Keys.Max();

    private const string Component = "queue";

    // Arbitrary key of the installer's advisory lock ("ferry" in ASCII), distinct from the ticker's keys.
    private const long InstallLockKey = 0x6665727279;

    private static readonly Lazy<IReadOnlyDictionary<int, IReadOnlyList<string>>> Scripts = new(LoadScripts);

    /// <summary>Installs the latest version, or upgrades to it; does nothing when the database already has it.</summary>
    /// <returns>The version the database holds afterwards.</returns>
    /// <exception cref="QueueSchemaException">The database holds a newer version than this engine knows.</exception>
    public static Task<int> InstallAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        InstallAsync(dataSource, LatestVersion, cancellationToken);

    /// <summary>The version installed in the database, 0 when none.</summary>
    public static async Task<int> GetInstalledVersionAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Installs or upgrades up to <paramref name="targetVersion"/> (tests install older versions this way).</summary>
    internal static async Task<int> InstallAsync(NpgsqlDataSource dataSource, int targetVersion, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetVersion, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(targetVersion, LatestVersion);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = InstallLockKey });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var installed = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        if (installed > LatestVersion)
        {
            throw new QueueSchemaException(
                $"Database '{connection.Database}' holds version {installed} of Ferry's queue schema (ferry), newer than " +
                $"version {LatestVersion}, the newest this engine knows. Upgrade Ferry before using this node; " +
                "the schema is left unchanged.");
        }
        for (var version = installed + 1; version <= targetVersion; version++)
        {
            foreach (var script in Scripts.Value[version])
            {
                await using var command = new NpgsqlCommand(script, connection, transaction);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using var record = new NpgsqlCommand(
                """
                INSERT INTO ferry.schema_version (component, version) VALUES ($1, $2)
                ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version, installed_at = now()
                """, connection, transaction);
            record.Parameters.Add(new NpgsqlParameter { Value = Component });
            record.Parameters.Add(new NpgsqlParameter { Value = version });
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return Math.Max(installed, targetVersion);
    }

    private static async Task<int> ReadVersionAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('ferry.schema_version') IS NOT NULL", connection, transaction))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return 0;
            }
        }
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(max(version), 0) FROM ferry.schema_version WHERE component = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = Component });
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static Dictionary<int, IReadOnlyList<string>> LoadScripts()
    {
        const string prefix = "Ferry.Engine.Sql.Queue.v";
        var assembly = typeof(QueueSchema).Assembly;
        var byVersion = new Dictionary<int, List<(string Name, string Text)>>();
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }
            var rest = name[prefix.Length..];
            var version = int.Parse(rest[..rest.IndexOf('.', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            if (!byVersion.TryGetValue(version, out var list))
            {
                byVersion[version] = list = [];
            }
            list.Add((name, Read(assembly, name)));
        }
        if (byVersion.Count == 0 || Enumerable.Range(1, byVersion.Count).Any(v => !byVersion.ContainsKey(v)))
        {
            throw new InvalidOperationException("The embedded queue scripts must be numbered v1, v2, ... without gaps.");
        }
        return byVersion.ToDictionary(
            pair => pair.Key,
            pair => (IReadOnlyList<string>)[.. pair.Value.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => s.Text)]);
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
