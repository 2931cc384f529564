using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Ferry.Portal.Security;

/// <summary>
/// Data Protection's decryptor of stored key secrets. Data Protection creates it by the type name written beside each secret,
/// with the application's services, so it takes the <see cref="KeyEncryptionKey"/> from there.
/// </summary>
public sealed class KeyEncryptionKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) => services.GetRequiredService<KeyEncryptionKey>().Decrypt(encryptedElement);
}
