using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SkiaSharp;
using Returns.Grader.Vision.Photos;

namespace Returns.Grader.Vision.Inference;

/// <summary>
/// The manifest's resize ("filter": "bilinear", "antialias": true) computed the way the training side computes it:
/// Pillow's <c>Image.resize(size, BILINEAR)</c>, a separable triangle filter whose support widens with the shrink,
/// horizontal pass then vertical, 8-bit between the passes, fixed-point weights with 22 fraction bits. Doing the same
/// integer arithmetic gives the same bytes (a unit test compares with Pillow's output): the last step before the
/// network is the training side's, byte for byte. (What comes before it still differs: the app resizes its stored
/// copy, which Skia decoded at an n/8 scale and turned upright, drawn down to 2048 px where that scale is larger;
/// training photos are decoded whole.) It is also much faster
/// than the Skia draw with mipmaps it replaced, which went through Skia's general raster pipeline (~0.2 µs per output
/// pixel here: 19 ms for 320×320; docs/benchmarks.md). EXIF orientation is applied while reading, so a rotated photo
/// is never copied upright first.
/// </summary>
public static class AntialiasedResize
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>
    /// Resizes RGBA pixels (4 bytes a pixel, opaque: the sanitizer flattens transparency onto white first) stored in
    /// <paramref name="origin"/> orientation to an upright <paramref name="outWidth"/> × <paramref name="outHeight"/>
    /// RGB image (3 bytes a pixel, row-major) in <paramref name="destination"/>. <paramref name="bgra"/>: the pixels
    /// are BGRA (Skia's default colour type on little-endian machines), still written out as RGB.
    /// </summary>
    public static void Resize(ReadOnlySpan<byte> rgba, int width, int height, int rowBytes, SKEncodedOrigin origin,
        int outWidth, int outHeight, Span<byte> destination, bool bgra = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowBytes, 4 * width);
        if (rgba.Length < (long)rowBytes * (height - 1) + 4L * width || destination.Length < 3L * outWidth * outHeight)
        {
            throw new ArgumentException("The pixel spans are smaller than the sizes say.");
        }

        var (uprightWidth, uprightHeight) = Orientation.UprightSize(origin, width, height);
        // 2 MB for the app's 1536×2048 copy; checked, so an absurd size throws instead of wrapping around
        var firstPass = ArrayPool<byte>.Shared.Rent(checked(uprightHeight * outWidth * 3));
        try
        {
            TwoPasses(rgba, UprightReader.For(origin, width, height, rowBytes), bgra, uprightWidth, uprightHeight,
                outWidth, outHeight, firstPass, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(firstPass);
        }
    }

    private static void TwoPasses(ReadOnlySpan<byte> rgba, UprightReader reader, bool bgra, int uprightWidth,
        int uprightHeight, int outWidth, int outHeight, byte[] firstPass, Span<byte> destination)
    {
        var (red, blue) = bgra ? (2, 0) : (0, 2);

        // Pass 1 (horizontal, on the upright picture): uprightHeight rows of outWidth RGB pixels.
        var stride = outWidth * 3;
        // The passes below read without bounds checks (this is the hot path of every photo): every offset they form is
        // a pixel of the picture, which the length check in Resize proved lies inside the span.
        ref readonly var source = ref MemoryMarshal.GetReference(rgba);
        if (uprightWidth == outWidth)
        {
            for (var v = 0; v < uprightHeight; v++)
            {
                for (var u = 0; u < outWidth; u++)
                {
                    var p = reader.Offset(u, v);
                    firstPass[v * stride + u * 3] = rgba[p + red];
                    firstPass[v * stride + u * 3 + 1] = rgba[p + 1];
                    firstPass[v * stride + u * 3 + 2] = rgba[p + blue];
                }
            }
        }
        else if (Math.Abs(reader.StepU) == 4)
        {
            HorizontalAlongRows(in source, reader, red, blue, uprightHeight, Contributions.For(uprightWidth, outWidth), firstPass, stride);
        }
        else
        {
            HorizontalAlongColumns(in source, reader, red, blue, uprightHeight, Contributions.For(uprightWidth, outWidth), firstPass, stride);
        }

        // Pass 2 (vertical): whole rows at a time, so the inner loop walks memory in order.
        if (uprightHeight == outHeight)
        {
            firstPass.AsSpan(0, stride * outHeight).CopyTo(destination);
            return;
        }
        var vertical = Contributions.For(uprightHeight, outHeight);
        var sums = new int[stride];
        for (var yy = 0; yy < outHeight; yy++)
        {
            sums.AsSpan().Fill(1 << (PrecisionBits - 1));
            var start = vertical.Start[yy];
            var weights = vertical.WeightsOf(yy);
            for (var k = 0; k < weights.Length; k++)
            {
                AddScaled(firstPass.AsSpan((start + k) * stride, stride), weights[k], sums);
            }
            var output = destination.Slice(yy * stride, stride);
            for (var i = 0; i < stride; i++)
            {
                output[i] = Clip8(sums[i]);
            }
        }
    }

    /// <summary>sums[i] += line[i] · weight, sixteen bytes at a time.</summary>
    private static void AddScaled(ReadOnlySpan<byte> line, int weight, Span<int> sums)
    {
        ref var bytes = ref MemoryMarshal.GetReference(line);
        ref var total = ref MemoryMarshal.GetReference(sums);
        var w = Vector128.Create(weight);
        var i = 0;
        for (; i + 16 <= line.Length; i += 16)
        {
            var (low, high) = Vector128.Widen(Vector128.LoadUnsafe(ref bytes, (nuint)i));
            var (a, b) = Vector128.Widen(low);
            var (c, d) = Vector128.Widen(high);
            (Vector128.LoadUnsafe(ref total, (nuint)i) + a.AsInt32() * w).StoreUnsafe(ref total, (nuint)i);
            (Vector128.LoadUnsafe(ref total, (nuint)i + 4) + b.AsInt32() * w).StoreUnsafe(ref total, (nuint)i + 4);
            (Vector128.LoadUnsafe(ref total, (nuint)i + 8) + c.AsInt32() * w).StoreUnsafe(ref total, (nuint)i + 8);
            (Vector128.LoadUnsafe(ref total, (nuint)i + 12) + d.AsInt32() * w).StoreUnsafe(ref total, (nuint)i + 12);
        }
        for (; i < line.Length; i++)
        {
            sums[i] += line[i] * weight;
        }
    }

    /// <summary>Upright rows are stored rows (no quarter turn): each output pixel sums its taps along memory, the four
    /// bytes of a pixel at once (one 128-bit multiply-add per tap instead of three scalar ones).</summary>
    private static void HorizontalAlongRows(ref readonly byte source, UprightReader reader, int red, int blue, int rows,
        Contributions horizontal, byte[] firstPass, int stride)
    {
        ref var pixels = ref Unsafe.AsRef(in source);
        var half = Vector128.Create(1 << (PrecisionBits - 1));
        for (var v = 0; v < rows; v++)
        {
            for (var xx = 0; xx < horizontal.Start.Length; xx++)
            {
                var sum = half;
                var weights = horizontal.WeightsOf(xx);
                var p = reader.Offset(horizontal.Start[xx], v);
                for (var k = 0; k < weights.Length; k++, p += reader.StepU)
                {
                    sum += Pixel(ref pixels, p) * weights[k];
                }
                Store(sum, red, blue, firstPass, v * stride + xx * 3);
            }
        }
    }

    /// <summary>Upright rows are stored columns (a quarter-turned photo): walking an upright row would jump a stored
    /// row per pixel, so each output column is built from whole stored rows instead. Same sums, same order of taps.</summary>
    private static void HorizontalAlongColumns(ref readonly byte source, UprightReader reader, int red, int blue, int rows,
        Contributions horizontal, byte[] firstPass, int stride)
    {
        ref var pixels = ref Unsafe.AsRef(in source);
        var sums = new Vector128<int>[rows];
        var half = Vector128.Create(1 << (PrecisionBits - 1));
        for (var xx = 0; xx < horizontal.Start.Length; xx++)
        {
            sums.AsSpan().Fill(half);
            var weights = horizontal.WeightsOf(xx);
            for (var k = 0; k < weights.Length; k++)
            {
                var w = weights[k];
                var p = reader.Offset(horizontal.Start[xx] + k, 0);
                for (var v = 0; v < rows; v++, p += reader.StepV)
                {
                    sums[v] += Pixel(ref pixels, p) * w;
                }
            }
            for (var v = 0; v < rows; v++)
            {
                Store(sums[v], red, blue, firstPass, v * stride + xx * 3);
            }
        }
    }

    /// <summary>The four bytes of the pixel at <paramref name="offset"/> as four ints.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Pixel(ref byte pixels, int offset)
    {
        var bytes = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref pixels, offset))).AsByte();
        return Vector128.WidenLower(Vector128.WidenLower(bytes)).AsInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector128<int> sum, int red, int blue, byte[] destination, int offset)
    {
        destination[offset] = Clip8(sum[red]);
        destination[offset + 1] = Clip8(sum[1]);
        destination[offset + 2] = Clip8(sum[blue]);
    }

    private static byte Clip8(int value)
    {
        var shifted = value >> PrecisionBits;
        return shifted < 0 ? (byte)0 : shifted > 255 ? (byte)255 : (byte)shifted;
    }

    /// <summary>For each output position along one axis: the first input position and the fixed-point weights
    /// (Pillow's precompute_coeffs + normalize_coeffs_8bpc with the triangle filter, support 1).</summary>
    private sealed class Contributions
    {
        public required int[] Start { get; init; }
        public required int[] Count { get; init; }
        public required int[] Weights { get; init; }
        public required int MaxTaps { get; init; }

        public ReadOnlySpan<int> WeightsOf(int output) => Weights.AsSpan(output * MaxTaps, Count[output]);

        public static Contributions For(int inSize, int outSize)
        {
            var scale = (double)inSize / outSize;
            var filterScale = Math.Max(scale, 1.0);
            var support = filterScale; // the triangle filter's support is 1, widened by the shrink
            var inverseScale = 1.0 / filterScale;
            var maxTaps = (int)Math.Ceiling(support) * 2 + 1;
            var start = new int[outSize];
            var count = new int[outSize];
            var weights = new int[outSize * maxTaps];
            var taps = new double[maxTaps];
            for (var xx = 0; xx < outSize; xx++)
            {
                var center = (xx + 0.5) * scale;
                var xmin = Math.Max((int)(center - support + 0.5), 0);
                var xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
                var total = 0.0;
                for (var x = 0; x < xmax; x++)
                {
                    var w = Triangle((x + xmin - center + 0.5) * inverseScale);
                    taps[x] = w;
                    total += w;
                }
                for (var x = 0; x < xmax; x++)
                {
                    var normalized = total != 0 ? taps[x] / total : taps[x];
                    // Pillow rounds half away from zero when it converts to fixed point.
                    weights[xx * maxTaps + x] = (int)(normalized * (1 << PrecisionBits) + (normalized < 0 ? -0.5 : 0.5));
                }
                start[xx] = xmin;
                count[xx] = xmax;
            }
            return new Contributions { Start = start, Count = count, Weights = weights, MaxTaps = maxTaps };
        }

        private static double Triangle(double x)
        {
            x = Math.Abs(x);
            return x < 1.0 ? 1.0 - x : 0.0;
        }
    }

    /// <summary>Byte offset of upright pixel (u, v) in the stored pixels: stored = first + u·stepU + v·stepV, derived from
    /// the same matrix the sanitizer draws with, so the two agree on every EXIF orientation.</summary>
    private readonly record struct UprightReader(int First, int StepU, int StepV)
    {
        public int Offset(int u, int v) => First + u * StepU + v * StepV;

        public static UprightReader For(SKEncodedOrigin origin, int width, int height, int rowBytes)
        {
            if (!Orientation.ToUpright(origin, width, height).TryInvert(out var toStored))
            {
                throw new ArgumentException($"Orientation {origin} has no inverse.", nameof(origin));
            }
            int StoredOffset(int u, int v)
            {
                var p = toStored.MapPoint(u + 0.5f, v + 0.5f);
                return (int)MathF.Floor(p.Y) * rowBytes + (int)MathF.Floor(p.X) * 4;
            }
            var first = StoredOffset(0, 0);
            return new UprightReader(first, StoredOffset(1, 0) - first, StoredOffset(0, 1) - first);
        }
    }
}
