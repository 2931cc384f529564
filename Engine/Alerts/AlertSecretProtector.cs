using Microsoft.AspNetCore.DataProtection;

namespace Ferry.Engine.Alerts;

/// <summary>Encrypts alert channels' secrets (webhook URLs, SMTP passwords) with ASP.NET Core Data Protection.</summary>
public sealed class AlertSecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Ferry.Alerts.ChannelSecret.v1");

    public string? Protect(string? secret) => string.IsNullOrEmpty(secret) ? null : _protector.Protect(secret);

    public string? Unprotect(string? protectedSecret) =>
        string.IsNullOrEmpty(protectedSecret) ? null : _protector.Unprotect(protectedSecret);
}
