using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Ferry.Portal.Security;

/// <summary>
/// The installation's key-encryption key: 32 random bytes (base64) in a file that every portal process of the installation
/// is given and that never lives in the control database. It encrypts the secret of each Data Protection key with
/// AES-256-GCM before the key ring is stored in the control database, so reading that database is not enough to forge a
/// login or decrypt a node password (docs/decisions/ADR-008-shared-key-ring-and-loop-takeover.md).
/// </summary>
/// <remarks>
/// Known by its <see cref="Fingerprint"/> (an HMAC of a fixed text under the key, safe to log and to store): each encrypted
/// secret names the fingerprint of the key that encrypted it, so a process given another file fails with a message that
/// says so instead of "the key was not found in the key ring".
/// </remarks>
public sealed class KeyEncryptionKey(string path)
{
    /// <summary>The element that replaces a key's secret in the stored key ring.</summary>
    public static readonly XName EncryptedElementName = "ferryEncryptedSecret";

    private const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] AssociatedData = "ferry-key-ring/v1"u8.ToArray();

    private byte[]? _key;

    /// <summary>The file the key is read from (and written to on the installation's first start).</summary>
    public string Path { get; } = path;

    public bool IsLoaded => _key is not null;

    /// <summary>16 hex digits that name this key without revealing it.</summary>
    public string Fingerprint => FingerprintOf(Key);

    /// <summary>Reads the key from <see cref="Path"/>; false when the file does not exist.</summary>
    /// <exception cref="KeyRingException">The file exists but does not hold a key.</exception>
    public bool TryLoad()
    {
        if (!File.Exists(Path))
        {
            return false;
        }
        byte[] key;
        try
        {
            key = Convert.FromBase64String(File.ReadAllText(Path).Trim());
        }
        catch (FormatException)
        {
            key = [];
        }
        if (key.Length != KeySize)
        {
            throw new KeyRingException(
                $"The key-encryption key file {Path} does not hold {KeySize} bytes in base64. Restore the file the other portal "
                + "processes of this installation use (DataProtection:KeyEncryptionKeyFile names where it is read).");
        }
        _key = key;
        return true;
    }

    /// <summary>Makes a new random key and writes it to <see cref="Path"/>, readable by this OS user only (0600).</summary>
    /// <exception cref="IOException">The file exists (another process made it at the same moment).</exception>
    public void Create()
    {
        var key = RandomNumberGenerator.GetBytes(KeySize);
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using (var stream = new FileStream(Path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var writer = new StreamWriter(stream))
        {
            writer.WriteLine(Convert.ToBase64String(key));
        }
        _key = key;
    }

    /// <summary>Whether others than the file's owner may read it (worth a warning: the key is a secret).</summary>
    public bool IsReadableByOthers() =>
        (File.GetUnixFileMode(Path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0;

    /// <summary>Encrypts an element (a Data Protection key's secret) into a <see cref="EncryptedElementName"/> element.</summary>
    public XElement Encrypt(XElement secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var plaintext = Encoding.UTF8.GetBytes(secret.ToString(SaveOptions.DisableFormatting));
        var sealedBox = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = sealedBox.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(Key, TagSize))
        {
            aes.Encrypt(nonce, plaintext, sealedBox.AsSpan(NonceSize + TagSize), sealedBox.AsSpan(NonceSize, TagSize), AssociatedData);
        }
        CryptographicOperations.ZeroMemory(plaintext);
        return new XElement(EncryptedElementName,
            new XAttribute("keyEncryptionKey", Fingerprint),
            new XAttribute("algorithm", "AES-256-GCM"),
            new XElement("value", Convert.ToBase64String(sealedBox)));
    }

    /// <summary>Decrypts what <see cref="Encrypt"/> made.</summary>
    /// <exception cref="KeyRingException">It was encrypted with another key-encryption key, or it was changed.</exception>
    public XElement Decrypt(XElement encrypted)
    {
        ArgumentNullException.ThrowIfNull(encrypted);
        var fingerprint = (string?)encrypted.Attribute("keyEncryptionKey");
        if (!string.Equals(fingerprint, Fingerprint, StringComparison.Ordinal))
        {
            throw new KeyRingException(ForeignKeyMessage(fingerprint ?? "(none)"));
        }
        var sealedBox = Convert.FromBase64String((string?)encrypted.Element("value") ?? "");
        if (sealedBox.Length < NonceSize + TagSize)
        {
            throw new KeyRingException("A Data Protection key in the control database is damaged (its encrypted secret is too short).");
        }
        var plaintext = new byte[sealedBox.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(Key, TagSize);
            aes.Decrypt(sealedBox.AsSpan(0, NonceSize), sealedBox.AsSpan(NonceSize + TagSize), sealedBox.AsSpan(NonceSize, TagSize),
                plaintext, AssociatedData);
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new KeyRingException("A Data Protection key in the control database was changed: its encrypted secret does not verify.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>What to tell the operator when the key ring was encrypted with another key-encryption key.</summary>
    public string ForeignKeyMessage(string storedFingerprint) =>
        $"The Data Protection keys in the control database are encrypted with key-encryption key {storedFingerprint}, but this "
        + $"process was given {Fingerprint} ({Path}). Every portal process on one control database needs the same key-encryption "
        + "key file: copy it from a process that works, or point DataProtection:KeyEncryptionKeyFile at that copy.";

    private byte[] Key => _key ?? throw new InvalidOperationException(
        $"The key-encryption key {Path} is not loaded yet (KeyRingInitializer runs at startup, before Data Protection is used).");

    private static string FingerprintOf(byte[] key) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, "ferry key-encryption key fingerprint"u8))[..16]
            .ToString(CultureInfo.InvariantCulture);
}
