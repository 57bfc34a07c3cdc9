using Microsoft.Extensions.Logging;
using Returns.Grader.Web.Features.Health;

namespace Returns.Grader.UnitTests.Health;

/// <summary>A failing readiness check's stack is logged when the failure starts or changes, not on every probe.</summary>
public sealed class HealthFailureLogTests
{
    private sealed class RecordingLogger : ILogger<HealthRegistration.HealthFailureLog>
    {
        public List<(LogLevel Level, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, exception));
    }

    [Fact]
    public void TheSameFailure_IsLoggedOnce_AChangedOneAgain_AndARecoveryOnce()
    {
        var logger = new RecordingLogger();
        var failures = new HealthRegistration.HealthFailureLog(logger);

        for (var probe = 0; probe < 5; probe++)
        {
            failures.Failed("photo-store", new IOException("No space left on device"));
        }
        failures.Failed("photo-store", new UnauthorizedAccessException("Access denied"));
        failures.Passed("photo-store");
        failures.Passed("photo-store");
        failures.Failed("photo-store", new IOException("No space left on device")); // failing again after a recovery

        Assert.Equal([LogLevel.Error, LogLevel.Error, LogLevel.Information, LogLevel.Error], logger.Entries.Select(e => e.Level));
        Assert.IsType<IOException>(logger.Entries[0].Exception);
        Assert.IsType<UnauthorizedAccessException>(logger.Entries[1].Exception);
    }
}
