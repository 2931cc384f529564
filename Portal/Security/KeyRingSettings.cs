namespace Ferry.Portal.Security;

/// <summary>Where this process finds its key-encryption key, and the folder where earlier versions kept the keys unencrypted.</summary>
/// <param name="KeyEncryptionKeyFile"><c>DataProtection:KeyEncryptionKeyFile</c>, by default <c>&lt;data&gt;/key-encryption-key</c>.</param>
/// <param name="LegacyKeysDirectory"><c>DataProtection:KeysDirectory</c>, by default <c>&lt;data&gt;/keys</c>: keys found there are
/// imported into the control database once, encrypted, and the unencrypted files removed.</param>
public sealed record KeyRingSettings(string KeyEncryptionKeyFile, string LegacyKeysDirectory)
{
    public const string Section = "DataProtection";

    /// <summary>The settings from configuration, with defaults in the portal's data folder <paramref name="dataRoot"/>.</summary>
    public static KeyRingSettings From(IConfiguration configuration, string dataRoot)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        return new KeyRingSettings(
            Path.GetFullPath(section["KeyEncryptionKeyFile"] is { Length: > 0 } file ? file : Path.Combine(dataRoot, "key-encryption-key")),
            Path.GetFullPath(section["KeysDirectory"] is { Length: > 0 } keys ? keys : Path.Combine(dataRoot, "keys")));
    }
}
