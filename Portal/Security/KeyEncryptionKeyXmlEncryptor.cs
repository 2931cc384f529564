using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Ferry.Portal.Security;

/// <summary>Data Protection's encryptor of key secrets before they are stored: the installation's <see cref="KeyEncryptionKey"/>.</summary>
public sealed class KeyEncryptionKeyXmlEncryptor(KeyEncryptionKey key) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(key.Encrypt(plaintextElement), typeof(KeyEncryptionKeyXmlDecryptor));
}
