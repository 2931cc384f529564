using System.Globalization;

namespace Ferry.Engine.Queue;

/// <summary>
/// A transaction snapshot as <c>txid_current_snapshot()</c> prints it, <c>xmin:xmax:xip,...</c> (64-bit txids, epoch
/// included). <see href="https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-PG-SNAPSHOT-PARTS"/>
/// </summary>
public sealed record TxidSnapshot(long Xmin, long Xmax, IReadOnlyList<long> InProgress)
{
    /// <summary>Whether the transaction had committed when the snapshot was taken (its changes are in what the snapshot saw).</summary>
    public bool IsVisible(long txid) => txid < Xmin || txid < Xmax && !InProgress.Contains(txid);

    public static TxidSnapshot Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(':');
        if (parts.Length != 3)
        {
            throw new FormatException($"Not a txid snapshot: '{text}'.");
        }
        var xip = parts[2].Length == 0
            ? []
            : parts[2].Split(',').Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        return new TxidSnapshot(long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture), xip);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Xmin}:{Xmax}:{string.Join(',', InProgress)}");
}
