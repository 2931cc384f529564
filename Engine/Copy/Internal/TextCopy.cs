using Npgsql;

namespace Ferry.Engine.Copy.Internal;

/// <summary>
/// A copy in COPY's text form, streamed from the source straight into the target in chunks (never held whole): for tables
/// whose binary form is not portable between databases (see CopyDrift.NeedsTextAsync). Both sessions must read and write
/// values with the same settings (ApplySession).
/// </summary>
internal static class TextCopy
{
    /// <summary>Runs <paramref name="copyOut"/> on the source into <paramref name="copyIn"/> on the target; returns the rows copied.</summary>
    /// <param name="progress">Called after each chunk; takes a function that gives the rows so far.</param>
    public static async Task<long> StreamAsync(
        NpgsqlConnection source, NpgsqlConnection target, string copyOut, string copyIn, Func<Func<long>, Action> progress,
        CancellationToken cancellationToken)
    {
        var rows = 0L;
        var report = progress(() => rows);
        var buffer = new char[64 * 1024];
        using var reader = await source.BeginTextExportAsync(copyOut, cancellationToken).ConfigureAwait(false);
        var writer = await target.BeginTextImportAsync(copyIn, cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            try
            {
                int read;
                while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    // One line per row: a newline inside a value is written as \n.
                    rows += buffer.AsSpan(0, read).Count('\n');
                    await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    report();
                }
            }
            catch
            {
                await ((NpgsqlCopyTextWriter)writer).CancelAsync().ConfigureAwait(false);
                throw;
            }
        }
        return rows;
    }
}
