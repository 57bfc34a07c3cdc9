namespace Returns.Grader.Web.Infrastructure;

/// <summary>One CSV field as the app writes it everywhere (export packages, the quality page's download).</summary>
public static class CsvText
{
    /// <summary>
    /// RFC 4180 quoting; a text that a spreadsheet would run as a formula gets a leading quote: = + - @ first, and a
    /// tab or carriage return first, which some spreadsheets skip before reading the formula (OWASP's list; security
    /// pass, 2026-12-05: an Entra display name is not trimmed).
    /// </summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
