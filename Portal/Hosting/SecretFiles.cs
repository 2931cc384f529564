using System.Security.Cryptography;

namespace Ferry.Portal.Hosting;

/// <summary>Files that hold a secret: created 0600 from their first byte (never written then chmodded), and new secrets.</summary>
public static class SecretFiles
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> (replacing it), readable and writable by this OS user only.</summary>
    public static async Task WriteAsync(string path, string text, CancellationToken cancellationToken)
    {
        await using (var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = OwnerOnly,
        }))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(text.AsMemory(), cancellationToken);
        }
        // An existing file keeps its mode on FileMode.Create: make sure.
        File.SetUnixFileMode(path, OwnerOnly);
    }

    /// <summary>A password for a database role: 24 letters and digits.</summary>
    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', 'x').Replace('/', 'y');
}
