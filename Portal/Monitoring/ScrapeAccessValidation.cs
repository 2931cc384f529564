using Microsoft.Extensions.Options;

namespace Ferry.Portal.Monitoring;

/// <summary>Refuses to start with a scrape token too short to be a secret.</summary>
internal sealed class ScrapeAccessValidation : IValidateOptions<ScrapeAccessOptions>
{
    public const int MinimumTokenLength = 16;

    public ValidateOptionsResult Validate(string? name, ScrapeAccessOptions options) =>
        !string.IsNullOrEmpty(options.ScrapeToken) && options.ScrapeToken.Trim().Length < MinimumTokenLength
            ? ValidateOptionsResult.Fail(
                $"Monitoring:ScrapeToken has fewer than {MinimumTokenLength} characters: use a long random secret (e.g. openssl rand -hex 24).")
            : ValidateOptionsResult.Success;
}
