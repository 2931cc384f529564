namespace Ferry.Engine.LocalServer.Internal;

/// <summary>
/// A file only its owner may read, created with mode 0600 from its first byte: no moment where another user could open
/// it, as there is with write-then-chmod. <see cref="FileMode.CreateNew"/> refuses an existing path (a link planted in
/// a shared folder such as /tmp is not followed).
/// </summary>
internal static class SecretFile
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the file (it must not exist) with mode 0600 and returns it open for writing.</summary>
    public static FileStream Create(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.CreateNew,
        Access = FileAccess.Write,
        Share = FileShare.None,
        UnixCreateMode = OwnerOnly,
    });

    /// <summary>Creates the file with mode 0600 and writes <paramref name="text"/> to it.</summary>
    public static async Task WriteAsync(string path, string text, CancellationToken cancellationToken)
    {
        await using var stream = Create(path);
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(text.AsMemory(), cancellationToken).ConfigureAwait(false);
    }
}
