using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Core.Data;

/// <summary>
/// Labelled greyscale images kept as bytes (a quarter of the memory of floats); <see cref="Gather"/> scales the rows
/// a batch needs to [0,1] on the fly. Immutable, so it can be shared by every training thread.
/// </summary>
public sealed class ImageSet
{
    private readonly ReadOnlyMemory<byte> _pixels;
    private readonly ReadOnlyMemory<byte> _labels;
    private string? _fingerprint;

    /// <summary>
    /// Wraps <paramref name="pixels"/> (Count × rows × columns bytes, image after image, row-major) and
    /// <paramref name="labels"/> (one byte per image). The arrays are not copied and must not be changed afterwards.
    /// </summary>
    public ImageSet(byte[] pixels, byte[] labels, int rows, int columns, string source)
        : this(new ReadOnlyMemory<byte>(Validate(pixels, labels, rows, columns)), new ReadOnlyMemory<byte>(labels), rows, columns, source)
    {
    }

    private ImageSet(ReadOnlyMemory<byte> pixels, ReadOnlyMemory<byte> labels, int rows, int columns, string source)
    {
        _pixels = pixels;
        _labels = labels;
        Rows = rows;
        Columns = columns;
        Source = source;
    }

    /// <summary>Number of images.</summary>
    public int Count => _labels.Length;

    /// <summary>Height of each image in pixels.</summary>
    public int Rows { get; }

    /// <summary>Width of each image in pixels.</summary>
    public int Columns { get; }

    /// <summary>Rows × Columns.</summary>
    public int PixelsPerImage => Rows * Columns;

    /// <summary>The file or description the images came from, for messages.</summary>
    public string Source { get; }

    /// <summary>All labels, one byte per image.</summary>
    public ReadOnlySpan<byte> Labels => _labels.Span;

    /// <summary>
    /// SHA-256 (lowercase hex) of the count, rows and columns (little-endian int32 each), then all pixels, then all
    /// labels. Two sets with the same fingerprint hold the same data; computed once and cached.
    /// </summary>
    public string Fingerprint => _fingerprint ??= ComputeFingerprint();

    /// <summary>The pixels of image <paramref name="index"/>, row-major, 0 = black.</summary>
    public ReadOnlySpan<byte> Pixels(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _pixels.Span.Slice(index * PixelsPerImage, PixelsPerImage);
    }

    /// <summary>The label of image <paramref name="index"/>.</summary>
    public byte Label(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _labels.Span[index];
    }

    /// <summary>The <paramref name="count"/> images from <paramref name="start"/>, sharing this set's memory.</summary>
    public ImageSet Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, Count - count, nameof(start));
        return new ImageSet(
            _pixels.Slice(start * PixelsPerImage, count * PixelsPerImage),
            _labels.Slice(start, count),
            Rows,
            Columns,
            $"{Source} [{start}..{start + count})");
    }

    /// <summary>
    /// Copies the images named by <paramref name="indices"/> into <paramref name="destination"/>
    /// (indices.Length × PixelsPerImage floats, each byte/255f) and their labels into <paramref name="labels"/>.
    /// </summary>
    public void Gather(ReadOnlySpan<int> indices, Span<float> destination, Span<byte> labels)
    {
        int size = PixelsPerImage;
        if ((long)indices.Length * size > destination.Length)
        {
            throw new ArgumentException(
                $"destination holds {destination.Length} floats, fewer than {indices.Length} images × {size}.",
                nameof(destination));
        }

        if (indices.Length > labels.Length)
        {
            throw new ArgumentException(
                $"labels holds {labels.Length} bytes, fewer than {indices.Length} images.", nameof(labels));
        }

        ReadOnlySpan<byte> pixels = _pixels.Span;
        ReadOnlySpan<byte> allLabels = _labels.Span;
        for (int i = 0; i < Math.Min(PrefetchAhead, indices.Length); i++)
            Prefetch(pixels, indices[i], size);
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(indices), $"indices[{i}] = {index} is outside 0..{Count - 1}.");
            }

            if (i + PrefetchAhead < indices.Length)
                Prefetch(pixels, indices[i + PrefetchAhead], size);

            // Division (not multiplication by 1/255) so every value equals byte/255f exactly.
            UnitScale.FromBytes(pixels.Slice(index * size, size), destination.Slice(i * size, size));
            labels[i] = allLabels[index];
        }
    }

    // A batch's images lie at random places of a set far larger than the caches: converting them one by one waits
    // for memory at every image. Asking for the images a few places ahead keeps that many in flight.
    private const int PrefetchAhead = 8;

    private static unsafe void Prefetch(ReadOnlySpan<byte> pixels, int index, int size)
    {
        if (!Sse.IsSupported || (uint)index >= (uint)(pixels.Length / size))
            return;
        fixed (byte* image = &pixels[index * size])
        {
            for (int offset = 0; offset < size; offset += 64)
                Sse.Prefetch0(image + offset);
        }
    }

    private static byte[] Validate(byte[] pixels, byte[] labels, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if ((long)labels.Length * rows * columns != pixels.Length)
        {
            throw new ArgumentException(
                $"pixels holds {pixels.Length} bytes but {labels.Length} labels of {rows}×{columns} images need "
                + $"{(long)labels.Length * rows * columns}.",
                nameof(pixels));
        }

        return pixels;
    }

    private string ComputeFingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteInt32LittleEndian(header, Count);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], Rows);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], Columns);
        hash.AppendData(header);
        hash.AppendData(_pixels.Span);
        hash.AppendData(_labels.Span);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
