using Ferry.Engine.Control;
using Ferry.Portal.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace Microsoft.Extensions.DependencyInjection;

public static class KeyRingDependencyInjection
{
    /// <summary>
    /// Data Protection with its key ring in the control database (shared by every portal process on it), each key's secret
    /// encrypted with the installation's key-encryption key (<see cref="KeyRingSettings"/>).
    /// <see cref="KeyRingInitializer.InitializeAsync"/> must run at startup, after the control database's migrations.
    /// </summary>
    public static IServiceCollection AddFerryKeyRing(this IServiceCollection services, IConfiguration configuration, string dataRoot)
    {
        var settings = KeyRingSettings.From(configuration, dataRoot);
        var key = new KeyEncryptionKey(settings.KeyEncryptionKeyFile);
        services.AddSingleton(settings);
        services.AddSingleton(key);
        services.AddSingleton<KeyRingInitializer>();
        // The application name is the one earlier versions used, so passwords they protected still decrypt.
        services.AddDataProtection().SetApplicationName("Ferry").PersistKeysToDbContext<ControlDbContext>();
        services.Configure<KeyManagementOptions>(options => options.XmlEncryptor = new KeyEncryptionKeyXmlEncryptor(key));
        return services;
    }
}
