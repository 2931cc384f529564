using Npgsql;

namespace Ferry.Bench;

/// <summary>Small SQL helpers. Every connection has a statement timeout so that nothing waits forever.</summary>
internal static class Db
{
    public static string With(string connectionString, string? database = null, string? user = null, string? password = null)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 600, Timeout = 30 };
        if (database is not null)
        {
            b.Database = database;
        }
        if (user is not null)
        {
            b.Username = user;
            b.Password = password;
        }
        return b.ConnectionString;
    }

    /// <summary>The same database as a libpq connection string (for londiste, pgbench and CREATE SUBSCRIPTION).</summary>
    public static string Libpq(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var s = $"host={b.Host} port={b.Port} dbname={b.Database} user={b.Username}";
        return b.Password is { Length: > 0 } pw ? s + $" password={pw}" : s;
    }

    public static async Task ExecAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Runs statements one by one (VACUUM, CHECKPOINT and the like cannot share a batch).</summary>
    public static async Task ExecEachAsync(string connectionString, CancellationToken ct, params string[] statements)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync(ct);
        foreach (var sql in statements)
        {
            await using var cmd = new NpgsqlCommand(sql, c);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    public static async Task<T?> ScalarAsync<T>(string connectionString, string sql, CancellationToken ct)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync(ct);
        return await ScalarAsync<T>(c, sql, ct);
    }

    public static async Task<T?> ScalarAsync<T>(NpgsqlConnection c, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        var v = await cmd.ExecuteScalarAsync(ct);
        return v is null or DBNull ? default : (T)Convert.ChangeType(v, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T),
            System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<List<string>> ColumnAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, c);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<string>();
        while (await r.ReadAsync(ct))
        {
            list.Add(r.IsDBNull(0) ? "" : Convert.ToString(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }
        return list;
    }

    /// <summary>Polls until <paramref name="done"/> holds; throws after <paramref name="timeout"/>.</summary>
    public static async Task<TimeSpan> WaitAsync(
        string what, Func<Task<bool>> done, TimeSpan timeout, CancellationToken ct, int pollMs = 20)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (await done())
            {
                return watch.Elapsed;
            }
            if (watch.Elapsed > timeout)
            {
                throw new BenchException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}.");
            }
            await Task.Delay(pollMs, ct);
        }
    }
}
