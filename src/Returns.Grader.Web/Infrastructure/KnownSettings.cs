using System.Reflection;
using Microsoft.Extensions.Options;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// A setting this version does not know stops the start, named, like a wrong value does (ADR 0061). The configuration
/// binder ignores a key no property takes, so "Grader__Review__RouteUnfamilar=true" or "Grader__Photo__MaxBytes" was
/// dropped without a word and the default kept, for a setting the operator believed in force (review of the "left
/// alone" list, 2026-12-07). Only the app's own sections, "Grader" and "Database"; the framework's (Logging, AzureAd,
/// Kestrel) are left to the framework.
/// </summary>
public static class KnownSettings
{
    /// <summary>
    /// <see cref="OptionsBuilderConfigurationExtensions.BindConfiguration{TOptions}"/>, and at start a key under
    /// <paramref name="section"/> that no property of <typeparamref name="T"/> (or of what it holds: a disposition rule's)
    /// takes is refused. The section is then a known part of "Grader" for <see cref="AddGraderSectionCheck"/>.
    /// </summary>
    public static OptionsBuilder<T> BindConfigurationStrictly<T>(this OptionsBuilder<T> builder, string section) where T : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(new BoundSection(section));
        builder.Services.AddSingleton<IValidateOptions<T>>(services => new UnknownKeys<T>(services.GetRequiredService<IConfiguration>(), section));
        return builder.BindConfiguration(section);
    }

    /// <summary>
    /// Section "Grader" holds <see cref="GraderOptions"/>' own values and the sections the features bind: a child that is
    /// neither (a misspelt section, "Grader:Photo", or a value put one level too high, "Grader:KnownProxies") is refused.
    /// </summary>
    public static OptionsBuilder<GraderOptions> AddGraderSectionCheck(this OptionsBuilder<GraderOptions> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IValidateOptions<GraderOptions>>(services =>
            new UnknownSections(services.GetRequiredService<IConfiguration>(), services.GetServices<BoundSection>()));
        return builder;
    }

    private const string Advice = "this version has no such setting: check its spelling and where it sits, or remove it";

    private sealed record BoundSection(string Path);

    private sealed class UnknownKeys<T>(IConfiguration configuration, string section) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            if (name != Options.DefaultName)
            {
                return ValidateOptionsResult.Skip;
            }
            try
            {
                // the binder's own walk, through lists and nested objects, with its own matching of names (any case)
                configuration.GetSection(section).Get<T>(binder => binder.ErrorOnUnknownConfiguration = true);
                return ValidateOptionsResult.Success;
            }
            catch (InvalidOperationException e)
            {
                // "... the following properties were not found on the instance of <type>: 'MaxByte', 'Foo'"; inside a list's
                // item the binder wraps that in "... binding has failed", so the innermost message says the names
                var said = e.Message;
                for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
                {
                    said = inner.Message;
                }
                // Anything else is about a value, which the ordinary binding has judged already: strictly bound, a list
                // written as one value (ProxyOptions.AddListsWrittenAsOneValue) fails to convert, and it is allowed.
                return said.Contains("were not found on the instance of", StringComparison.Ordinal)
                    ? ValidateOptionsResult.Fail($"{section} has {said[(said.LastIndexOf(": ", StringComparison.Ordinal) + 2)..]}: {Advice}.")
                    : ValidateOptionsResult.Success;
            }
        }
    }

    private sealed class UnknownSections(IConfiguration configuration, IEnumerable<BoundSection> bound) : IValidateOptions<GraderOptions>
    {
        private static readonly HashSet<string> s_ownValues = typeof(GraderOptions)
            .GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite)
            .Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

        public ValidateOptionsResult Validate(string? name, GraderOptions options)
        {
            if (name != Options.DefaultName)
            {
                return ValidateOptionsResult.Skip;
            }
            var sections = bound.Select(b => b.Path).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var unknown = configuration.GetSection(GraderOptions.Section).GetChildren()
                .Where(child => !s_ownValues.Contains(child.Key) && !sections.Contains(child.Path))
                .Select(child => child.Path).Order(StringComparer.Ordinal).ToList();
            return unknown.Count == 0 ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(unknown.Select(path => $"{path}: {Advice}."));
        }
    }
}
