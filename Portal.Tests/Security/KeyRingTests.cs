using Ferry.Engine.Control;
using Ferry.Portal.Security;
using Ferry.Portal.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Portal.Tests.Security;

/// <summary>
/// The Data Protection key ring in the control database (docs/decisions/ADR-008-shared-key-ring-and-loop-takeover.md): two
/// processes with data folders of their own read each other's node passwords when given the same key-encryption key; the
/// stored keys hold no secret in the clear; a process given no key file or another one refuses to start and says which file
/// to copy; keys an earlier version kept unencrypted in the data folder are imported, encrypted, and still decrypt.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class KeyRingTests(PortalFixture fixture) : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ferry-key-ring-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoProcesses_WithTheSameKeyFile_ReadEachOthersPasswords_AndTheRingHoldsNoSecretInTheClear()
    {
        var control = await fixture.Postgres.CreateDatabaseAsync("ferry_key_ring_shared");
        var first = Folder("first");
        var second = Folder("second");

        await using var one = await StartAsync(control, first);
        var keyFile = Path.Combine(first, "key-encryption-key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        File.Copy(keyFile, Path.Combine(second, "key-encryption-key"));
        await using var two = await StartAsync(control, second);

        var saved = one.GetRequiredService<NodePasswordProtector>().Protect("node-Passw0rd");
        Assert.Equal("node-Passw0rd", two.GetRequiredService<NodePasswordProtector>().Unprotect(saved));
        Assert.Equal("back again", one.GetRequiredService<NodePasswordProtector>()
            .Unprotect(two.GetRequiredService<NodePasswordProtector>().Protect("back again")));

        var ring = await RingAsync(control);
        Assert.Single(ring);
        Assert.Contains("ferryEncryptedSecret", ring[0], StringComparison.Ordinal);
        Assert.DoesNotContain("masterKey", ring[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AProcessWithoutTheKeyFile_OrWithAnother_RefusesToStart_AndSaysWhatToCopy()
    {
        var control = await fixture.Postgres.CreateDatabaseAsync("ferry_key_ring_refused");
        await using (await StartAsync(control, Folder("first")))
        {
        }

        var missing = await Assert.ThrowsAsync<KeyRingException>(() => StartAsync(control, Folder("without")));
        Assert.Contains(Path.Combine(Folder("without"), "key-encryption-key"), missing.Message, StringComparison.Ordinal);
        Assert.Contains("copy it", missing.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Folder("without"), "key-encryption-key")), "made a key file of its own");

        var other = new KeyEncryptionKey(Path.Combine(Folder("other"), "key-encryption-key"));
        other.Create();
        var foreign = await Assert.ThrowsAsync<KeyRingException>(() => StartAsync(control, Folder("other")));
        Assert.Contains(other.Fingerprint, foreign.Message, StringComparison.Ordinal);
        Assert.Contains("same key-encryption key file", foreign.Message, StringComparison.Ordinal);
        Assert.Single(await RingAsync(control));
    }

    [Fact]
    public async Task KeysOfAnEarlierVersion_AreImportedEncrypted_TheFilesRemoved_AndOldPasswordsStillDecrypt()
    {
        var control = await fixture.Postgres.CreateDatabaseAsync("ferry_key_ring_import");
        var data = Folder("upgraded");
        var oldKeys = Directory.CreateDirectory(Path.Combine(data, "keys"));
        string saved;
        // As versions before ADR-008 did: unencrypted XML files in <data>/keys.
        await using (var old = new ServiceCollection().AddLogging().AddSingleton<NodePasswordProtector>()
            .AddDataProtection().SetApplicationName("Ferry").PersistKeysToFileSystem(oldKeys).Services.BuildServiceProvider())
        {
            saved = old.GetRequiredService<NodePasswordProtector>().Protect("old-Passw0rd")!;
        }
        Assert.Contains("masterKey", File.ReadAllText(Directory.GetFiles(oldKeys.FullName).Single()), StringComparison.Ordinal);

        await using var upgraded = await StartAsync(control, data);

        Assert.Equal("old-Passw0rd", upgraded.GetRequiredService<NodePasswordProtector>().Unprotect(saved));
        Assert.False(Directory.Exists(oldKeys.FullName), "the unencrypted keys are still in the data folder");
        var ring = await RingAsync(control);
        Assert.Single(ring);
        Assert.DoesNotContain("masterKey", ring[0], StringComparison.Ordinal);

        // Another process of the same installation reads the imported key too.
        var other = Folder("other");
        File.Copy(Path.Combine(data, "key-encryption-key"), Path.Combine(other, "key-encryption-key"));
        await using var second = await StartAsync(control, other);
        Assert.Equal("old-Passw0rd", second.GetRequiredService<NodePasswordProtector>().Unprotect(saved));
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_folder.FullName, name)).FullName;

    /// <summary>What a portal process sets up at startup: the engine, the key ring with <paramref name="data"/> as its data folder.</summary>
    private static async Task<ServiceProvider> StartAsync(string control, string data)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Control"] = control })
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddFerryEngine(configuration)
            .AddFerryKeyRing(configuration, data);
        var provider = services.BuildServiceProvider();
        try
        {
            await provider.GetRequiredService<ControlDatabaseInitializer>().InitializeAsync(Token);
            await provider.GetRequiredService<KeyRingInitializer>().InitializeAsync(Token);
            return provider;
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
    }

    private static async Task<List<string>> RingAsync(string control)
    {
        var options = new DbContextOptionsBuilder<ControlDbContext>();
        ControlDbContext.Configure(options, control);
        await using var context = new ControlDbContext(options.Options);
        return await context.DataProtectionKeys.Select(k => k.Xml!).ToListAsync(Token);
    }
}
