using System.Net.Http.Headers;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Ferry.Engine.Alerts;

/// <summary>How many channels took a notice, and why the others did not.</summary>
public sealed record DeliveryResult(int Delivered, IReadOnlyList<string> Failures);
