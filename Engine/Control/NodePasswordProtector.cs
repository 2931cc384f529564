using Microsoft.AspNetCore.DataProtection;

namespace Ferry.Engine.Control;

/// <summary>Encrypts node passwords for <see cref="Node.ProtectedPassword"/> with ASP.NET Core Data Protection.</summary>
public sealed class NodePasswordProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Ferry.Control.Node.Password.v1");

    public string? Protect(string? password) => string.IsNullOrEmpty(password) ? null : _protector.Protect(password);

    public string? Unprotect(string? protectedPassword) =>
        string.IsNullOrEmpty(protectedPassword) ? null : _protector.Unprotect(protectedPassword);
}
