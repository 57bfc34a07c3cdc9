using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// A decimal in a JSON body is taken only when it holds the number as written. System.Text.Json reads a number too
/// small for decimal as 0 and one with more than 28 significant digits rounded, without a word: a unit value of
/// <c>1e-31</c> was stored as 0.00 and <c>0.1000000000000000000000000000001</c> as 0.10, where "at most two decimals"
/// should have refused both (left alone since the API pass of 2026-12-05). The check compares the number's own digits
/// with the decimal read from them, so it refuses exactly the numbers decimal cannot hold and nothing else.
/// </summary>
public sealed class ExactDecimalConverter : JsonConverter<decimal>
{
    public const string Reason =
        "The number cannot be held exactly (at most 28 significant digits, none smaller than 1e-28): write it as the amount it is.";

    // Beyond this the text cannot be a decimal anyway (decimal spans 1e-28 to 7.9e28); it stops a 10^100000 from being built.
    private const int MaxExponent = 100;

    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        // GetDecimal's own failure (a string, a number out of decimal's range) stays System.Text.Json's conversion error.
        var value = reader.GetDecimal();
        var text = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        return HoldsExactly(text, value) ? value : throw new JsonException(Reason);
    }

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(value);
    }

    /// <summary>Whether <paramref name="value"/> is the number a JSON number's text (RFC 8259 grammar) says.</summary>
    public static bool HoldsExactly(ReadOnlySpan<byte> text, decimal value)
    {
        var negative = text.Length > 0 && text[0] == (byte)'-';
        var digits = new BigInteger(0);
        var scale = 0; // the text's value is digits * 10^-scale
        var i = negative ? 1 : 0;
        var afterPoint = false;
        for (; i < text.Length && text[i] is not ((byte)'e' or (byte)'E'); i++)
        {
            if (text[i] == (byte)'.')
            {
                afterPoint = true;
                continue;
            }
            digits = digits * 10 + (text[i] - (byte)'0');
            scale += afterPoint ? 1 : 0;
        }
        if (i < text.Length)
        {
            if (!int.TryParse(text[(i + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exponent)
                || Math.Abs(exponent) > MaxExponent)
            {
                return digits.IsZero && value == 0;
            }
            scale -= exponent;
        }

        var bits = decimal.GetBits(value);
        var held = new BigInteger((uint)bits[0]) | (new BigInteger((uint)bits[1]) << 32) | (new BigInteger((uint)bits[2]) << 64);
        var heldScale = (bits[3] >> 16) & 0xFF;
        if (digits.IsZero || held.IsZero)
        {
            return digits.IsZero && held.IsZero;
        }
        if (negative != value < 0)
        {
            return false;
        }
        var common = Math.Max(scale, heldScale);
        return digits * BigInteger.Pow(10, common - scale) == held * BigInteger.Pow(10, common - heldScale);
    }
}
