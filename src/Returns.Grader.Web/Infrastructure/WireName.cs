using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>The names enums have on the wire (API, rubric files, exports), read from their JSON attributes so there is one spelling.</summary>
public static class WireName<TEnum> where TEnum : struct, Enum
{
    private static readonly FrozenDictionary<TEnum, string> Names = Enum.GetValues<TEnum>().ToFrozenDictionary(
        value => value,
        value => typeof(TEnum).GetField(value.ToString())!.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? value.ToString());

    private static readonly FrozenDictionary<string, TEnum> Values =
        Names.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyCollection<string> All => Names.Values;

    public static string Of(TEnum value) => Names[value];

    public static bool TryParse(string? name, out TEnum value)
    {
        value = default;
        return name is not null && Values.TryGetValue(name.Trim(), out value);
    }
}
