namespace EventBus.Benchmarks.Infrastructure;

/// <summary>A harness option that is unknown or has a bad value; the message names the option.</summary>
public sealed class OptionException : Exception
{
    public OptionException()
    {
    }

    public OptionException(string message)
        : base(message)
    {
    }

    public OptionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
