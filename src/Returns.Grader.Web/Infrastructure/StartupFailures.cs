using System.Reflection;
using Microsoft.Extensions.Options;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// A start that cannot go on ends the process with exit code 1 and the reason in plain words on standard error. Left to
/// the runtime, a wrong setting ended as "Unhandled exception." with a 30-60 line stack trace and SIGABRT (exit 134, a
/// core dump where those are kept), which a container platform and an operator read as a crash of the app, not as a
/// setting to fix. A refusal of a setting (<see cref="OptionsValidationException"/>) is said in its own words alone;
/// anything else also gets its full exception below the words, since that one may be a defect.
/// Only until the app has started (<see cref="Started"/>): after that an unhandled exception is a defect, and the
/// runtime's own report is what is wanted. Under WebApplicationFactory the entry point runs on the factory's thread,
/// which catches what it throws, so tests still see the exception itself.
/// </summary>
public static partial class StartupFailures
{
    private const int ExitCode = 1;

    private static int s_reporting;

    /// <summary>
    /// From here until <see cref="Started"/>, an unhandled exception ends the process as described above. Once per
    /// process: a test host starts many apps in one process, and one subscription is enough (there, a crash of the test
    /// host while an app is starting is reported the same way, the exception in full, with exit code 1).
    /// </summary>
    public static void ReportPlainly()
    {
        if (Interlocked.Exchange(ref s_reporting, 1) == 0)
        {
            AppDomain.CurrentDomain.UnhandledException += OnUnhandled;
        }
    }

    /// <summary>The app takes requests: unhandled exceptions are the runtime's again.</summary>
    public static void Started()
    {
        if (Interlocked.Exchange(ref s_reporting, 0) == 1)
        {
            AppDomain.CurrentDomain.UnhandledException -= OnUnhandled;
        }
    }

    private static void OnUnhandled(object? sender, UnhandledExceptionEventArgs e)
    {
        Console.Error.Write(Describe((Exception)e.ExceptionObject));
        Console.Error.Flush();
        Environment.Exit(ExitCode);
    }

    /// <summary>
    /// A refused setting of a section that has no options class (AzureAd, DevAuth, a certificate's file), said like one
    /// that has: the start ends with the message alone.
    /// </summary>
    public static OptionsValidationException RefusedSetting(string section, string message) =>
        new(section, typeof(IConfigurationSection), [message]);

    /// <summary>What an operator reads: the refusals' own lines, or the reason followed by the exception in full.</summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var causes = Causes(exception).DefaultIfEmpty(exception).ToList(); // an empty AggregateException says itself
        var refusals = causes.Select(Refusal).ToList();
        var text = new System.Text.StringBuilder();
        if (refusals.All(r => r is not null))
        {
            // Every one of them (options validated at start fail together, one AggregateException for all sections)
            text.AppendLine("Returns.Grader did not start: a setting is wrong or missing.");
            foreach (var refusal in refusals)
            {
                foreach (var failure in refusal!.Failures.DefaultIfEmpty(refusal.Message))
                {
                    text.Append("  ").AppendLine(failure);
                }
            }
            return text.ToString();
        }
        var cause = causes.First(c => Refusal(c) is null);
        text.Append("Returns.Grader did not start: ").AppendLine(cause.Message);
        var said = cause.Message;
        for (var inner = cause.InnerException; inner is not null; inner = inner.InnerException)
        {
            // a wrapper that repeats its cause's words ("Address already in use" from the socket, then again) says it once
            if (inner.Message != said)
            {
                text.Append("  because: ").AppendLine(inner.Message);
                said = inner.Message;
            }
        }
        text.AppendLine().AppendLine("Details:").AppendLine(exception.ToString());
        return text.ToString();
    }

    /// <summary>The exceptions inside the wrappers that say nothing of their own (a constructor run by reflection, tasks).</summary>
    private static IEnumerable<Exception> Causes(Exception exception) => exception switch
    {
        TargetInvocationException { InnerException: { } inner } => Causes(inner),
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Causes),
        _ => [exception],
    };

    /// <summary>The refused setting, itself or as the cause of a service that could not be made with it.</summary>
    private static OptionsValidationException? Refusal(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is OptionsValidationException refusal)
            {
                return refusal;
            }
            if (UnreadableSetting(e) is { } unreadable)
            {
                return unreadable;
            }
        }
        return null;
    }

    /// <summary>
    /// A value the configuration binder could not read as its type ("Azure" for Grader:Storage:Provider) is a wrong
    /// setting too: it was said as a 25-line stack under "Failed to convert configuration value ..." that named neither the
    /// values allowed nor that it is a setting (multi-node pass, 2026-12-07). Read from the binder's own message, the one
    /// place that names the key; anything that does not match is left to be said in full.
    /// </summary>
    private static OptionsValidationException? UnreadableSetting(Exception exception)
    {
        if (exception is not InvalidOperationException || BinderFailure().Match(exception.Message) is not { Success: true } match)
        {
            return null;
        }
        var (value, key, typeName) = (match.Groups["value"].Value, match.Groups["key"].Value, match.Groups["type"].Value);
        var type = Type.GetType(typeName) ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(typeName)).FirstOrDefault(t => t is not null);
        var expected = type is { IsEnum: true } ? $"one of {string.Join(", ", Enum.GetNames(type))}"
            : type is null ? "a value of the setting's type" : FriendlyName(type);
        return RefusedSetting(key, $"{key} is '{value}', which is not {expected}.");
    }

    private static string FriendlyName(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) || t == typeof(long) => "a whole number",
        var t when t == typeof(double) || t == typeof(decimal) || t == typeof(float) => "a number",
        var t when t == typeof(bool) => "true or false",
        var t when t == typeof(TimeSpan) => "a time span (hh:mm:ss)",
        var t when t == typeof(Uri) => "a URL",
        var t => $"a value of type {t.Name}",
    };

    [System.Text.RegularExpressions.GeneratedRegex("^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex BinderFailure();
}
