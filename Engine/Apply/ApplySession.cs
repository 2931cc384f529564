using Npgsql;

namespace Ferry.Engine.Apply;

/// <summary>
/// Settings an apply transaction reads rows with: the ones the capture wrote them with (docs/decisions/ADR-014-exact-row-encoding.md),
/// so that every value's text goes back through its input function exactly as the source read it out.
/// </summary>
public static class ApplySession
{
    /// <summary>
    /// Sets DateStyle ISO, IntervalStyle postgres, xmloption content, and <c>lc_monetary</c> when
    /// <paramref name="moneyLocale"/> is not empty (a money value's text means a different amount in another locale): for the
    /// transaction, or for the session when <paramref name="transaction"/> is null.
    /// </summary>
    public static async Task PinAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string moneyLocale, CancellationToken cancellationToken)
    {
        var local = transaction is null ? "false" : "true";
        await using var command = new NpgsqlCommand(
            $"SELECT set_config('DateStyle', 'ISO', {local}), set_config('IntervalStyle', 'postgres', {local}), "
            + $"set_config('xmloption', 'content', {local})"
            + (moneyLocale.Length > 0 ? $", set_config('lc_monetary', $1, {local})" : ""),
            connection, transaction);
        if (moneyLocale.Length > 0)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = moneyLocale });
        }
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
