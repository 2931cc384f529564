namespace Ferry.Portal.Api;

/// <summary>A request field or query parameter that cannot be used; the API answers 400 with problem details naming it.</summary>
internal sealed class ApiParameterException(string parameter, string message) : Exception(message)
{
    /// <summary>The field or parameter as the client sent it (<c>page</c>, <c>port</c>, <c>body</c>).</summary>
    public string Parameter { get; } = parameter;
}
