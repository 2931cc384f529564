namespace Ferry.Engine.Control;

/// <summary>How the SMTP connection is secured (MailKit's <c>SecureSocketOptions</c>).</summary>
public enum SmtpSecurity
{
    /// <summary>TLS when the server offers it (STARTTLS), plain otherwise.</summary>
    Auto,

    /// <summary>No TLS (a relay on the same host or network).</summary>
    None,

    /// <summary>STARTTLS, required (port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,
}
