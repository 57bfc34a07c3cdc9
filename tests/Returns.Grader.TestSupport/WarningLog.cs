using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Returns.Grader.TestSupport;

/// <summary>The app's warnings, as text, for a test that asserts something is said in the log (add it as an ILoggerProvider).</summary>
public sealed class WarningLog : ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<string> _messages = new();

    public IReadOnlyCollection<string> Messages => _messages;

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel == LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            _messages.Enqueue(formatter(state, exception));
        }
    }

    public void Dispose()
    {
    }
}
