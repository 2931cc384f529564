namespace Ferry.Engine.Rules;

/// <summary>A table rule was refused; the message says what to fix. Nothing was changed on source or target.</summary>
public sealed class TableRuleException : Exception
{
    public TableRuleException(string message) : base(message)
    {
    }

    public TableRuleException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public TableRuleException()
    {
    }
}
