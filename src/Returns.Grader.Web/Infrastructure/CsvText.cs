namespace Returns.Grader.Web.Infrastructure;

/// <summary>One CSV field as the app writes it everywhere (export packages, the quality page's download).</summary>
public static class CsvText
{
    /// <summary>RFC 4180 quoting; a text that a spreadsheet would run as a formula (= + - @ first) gets a leading quote.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
