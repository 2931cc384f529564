using System.Xml;
using System.Xml.Linq;
using Ferry.Engine.Control;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ferry.Portal.Security;

/// <summary>
/// At startup, before Data Protection is used: loads the key-encryption key (or makes it, on the installation's first start),
/// checks that the key ring in the control database was encrypted with it, imports the keys an earlier version left
/// unencrypted in the data folder, and makes the first key when the ring is empty
/// (docs/decisions/ADR-008-shared-key-ring-and-loop-takeover.md).
/// </summary>
/// <remarks>
/// Processes starting at the same time take turns on an advisory lock in the control database, so exactly one of them makes
/// an installation's key-encryption key and first key; the others then find a key ring they must be able to read, and refuse
/// to start with a message that says which file to copy when they cannot.
/// </remarks>
public sealed partial class KeyRingInitializer(
    KeyEncryptionKey key, KeyRingSettings settings, IDbContextFactory<ControlDbContext> contexts, IKeyManager keyManager,
    IOptions<KeyManagementOptions> options, TimeProvider time, ILogger<KeyRingInitializer> logger)
{
    // Two-key advisory lock (class, 0) in the control database; the loops use other classes (Engine/Replication/Internal/LoopLock.cs).
    private const int LockClass = 0x6672646b; // "frdk"

    private static readonly XNamespace DataProtection = "http://schemas.asp.net/2015/03/dataProtection";
    private static readonly XName RequiresEncryption = DataProtection + "requiresEncryption";
    private static readonly XName EncryptedSecret = DataProtection + "encryptedSecret";

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var session = new NpgsqlConnectionStringBuilder(context.Database.GetConnectionString())
        {
            Pooling = false,
            ApplicationName = "ferry-key-ring",
        };
        // Held until this connection closes at the end of the method (also when the process dies).
        await using var lockConnection = new NpgsqlConnection(session.ConnectionString);
        await lockConnection.OpenAsync(cancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock($1, 0)", lockConnection))
        {
            take.Parameters.Add(new NpgsqlParameter { Value = LockClass });
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        var stored = await context.DataProtectionKeys.ToListAsync(cancellationToken);
        LoadOrCreateKeyEncryptionKey(stored.Count);
        foreach (var row in stored)
        {
            var element = Parse(row.Xml);
            if (element.Descendants(KeyEncryptionKey.EncryptedElementName).Select(e => (string?)e.Attribute("keyEncryptionKey"))
                    .FirstOrDefault(f => f != key.Fingerprint) is { } foreign)
            {
                throw new KeyRingException(key.ForeignKeyMessage(foreign));
            }
            if (EncryptSecrets(element))
            {
                // Stored unencrypted by something else than a portal (a script, an older tool): encrypt it in place.
                row.Xml = element.ToString(SaveOptions.DisableFormatting);
                LogEncryptedInPlace(logger, row.FriendlyName ?? row.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        var legacyFiles = ImportLegacyKeys(context, stored);
        await context.SaveChangesAsync(cancellationToken);
        RemoveLegacyFiles(legacyFiles);

        var ring = await context.DataProtectionKeys.AsNoTracking().Select(k => k.Xml).ToListAsync(cancellationToken);
        if (!ring.Any(xml => Parse(xml).Name == "key"))
        {
            var now = time.GetUtcNow();
            keyManager.CreateNewKey(now, now + options.Value.NewKeyLifetime);
            LogFirstKey(logger, key.Fingerprint);
        }
        else
        {
            LogReady(logger, ring.Count, key.Fingerprint);
        }
    }

    private void LoadOrCreateKeyEncryptionKey(int storedRows)
    {
        if (key.TryLoad())
        {
            if (key.IsReadableByOthers())
            {
                LogReadableByOthers(logger, key.Path);
            }
            return;
        }
        if (storedRows > 0)
        {
            throw new KeyRingException(
                $"The control database holds Data Protection keys, but this process has no key-encryption key file at {key.Path}. "
                + "Every portal process on one control database needs the same file: copy it (mode 0600) from the first "
                + "portal process of this installation, or point DataProtection:KeyEncryptionKeyFile at that copy.");
        }
        key.Create();
        LogCreated(logger, key.Path, key.Fingerprint);
    }

    /// <summary>
    /// Keys of earlier versions (unencrypted XML files in the data folder) go into the control database, encrypted, unless a key
    /// of that id is there already. Returns the files to remove once the import is saved.
    /// </summary>
    private List<string> ImportLegacyKeys(ControlDbContext context, List<DataProtectionKey> stored)
    {
        var folder = settings.LegacyKeysDirectory;
        if (!Directory.Exists(folder))
        {
            return [];
        }
        var known = stored.Select(k => Parse(k.Xml)).Select(IdOf).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var done = new List<string>();
        var imported = 0;
        foreach (var file in Directory.GetFiles(folder, "*.xml").Order(StringComparer.Ordinal))
        {
            XElement element;
            try
            {
                element = XElement.Load(file);
            }
            catch (XmlException e)
            {
                LogUnreadableLegacyKey(logger, file, e.Message);
                continue;
            }
            if (known.Add(IdOf(element)))
            {
                EncryptSecrets(element);
                context.DataProtectionKeys.Add(new DataProtectionKey
                {
                    FriendlyName = Path.GetFileNameWithoutExtension(file),
                    Xml = element.ToString(SaveOptions.DisableFormatting),
                });
                imported++;
            }
            done.Add(file);
        }
        if (done.Count > 0)
        {
            LogImported(logger, imported, folder);
        }
        return done;
    }

    private void RemoveLegacyFiles(List<string> files)
    {
        foreach (var file in files)
        {
            File.Delete(file);
        }
        if (files.Count > 0 && !Directory.EnumerateFileSystemEntries(settings.LegacyKeysDirectory).Any())
        {
            Directory.Delete(settings.LegacyKeysDirectory);
        }
    }

    /// <summary>Replaces every secret marked <c>requiresEncryption</c> by its encryption, as Data Protection stores it.</summary>
    private bool EncryptSecrets(XElement element)
    {
        var secrets = element.Descendants().Where(e => (string?)e.Attribute(RequiresEncryption) == "true").ToList();
        foreach (var secret in secrets)
        {
            secret.ReplaceWith(new XElement(EncryptedSecret,
                new XAttribute("decryptorType", typeof(KeyEncryptionKeyXmlDecryptor).AssemblyQualifiedName!),
                key.Encrypt(secret)));
        }
        return secrets.Count > 0;
    }

    /// <summary>A key's id, or the element itself for what has none (a revocation), so that it is never taken for a known key.</summary>
    private static string IdOf(XElement element) =>
        element.Name == "key" && (string?)element.Attribute("id") is { } id ? id : element.ToString(SaveOptions.DisableFormatting);

    private static XElement Parse(string? xml) => XElement.Parse(xml ?? "<empty />");

    [LoggerMessage(2030, LogLevel.Warning,
        "Created the key-encryption key {Path} (fingerprint {Fingerprint}, mode 0600). It encrypts the Data Protection keys in the "
        + "control database: keep a copy in a safe place, and give every other portal process on this control database the same file.")]
    private static partial void LogCreated(ILogger logger, string path, string fingerprint);

    [LoggerMessage(2031, LogLevel.Information,
        "Data Protection key ring: {Count} entries in the control database, encrypted with key-encryption key {Fingerprint}")]
    private static partial void LogReady(ILogger logger, int count, string fingerprint);

    [LoggerMessage(2032, LogLevel.Information,
        "Data Protection key ring: made the first key in the control database, encrypted with key-encryption key {Fingerprint}")]
    private static partial void LogFirstKey(ILogger logger, string fingerprint);

    [LoggerMessage(2033, LogLevel.Warning,
        "Imported {Count} Data Protection key(s) from {Folder} into the control database (encrypted) and removed the unencrypted files")]
    private static partial void LogImported(ILogger logger, int count, string folder);

    [LoggerMessage(2034, LogLevel.Warning, "The key-encryption key file {Path} can be read by other OS users: chmod 600 it")]
    private static partial void LogReadableByOthers(ILogger logger, string path);

    [LoggerMessage(2035, LogLevel.Warning, "Data Protection key {Name} was stored unencrypted in the control database: encrypted it")]
    private static partial void LogEncryptedInPlace(ILogger logger, string name);

    [LoggerMessage(2036, LogLevel.Warning, "{File} is not a readable Data Protection key ({Error}); left in place, not imported")]
    private static partial void LogUnreadableLegacyKey(ILogger logger, string file, string error);
}
