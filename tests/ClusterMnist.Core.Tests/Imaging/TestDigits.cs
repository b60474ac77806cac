using ClusterMnist.Core.Data;
using ClusterMnist.Core.Tests.Data;

namespace ClusterMnist.Core.Tests.Imaging;

/// <summary>28×28 test digits: the first real MNIST test digits when CLUSTERMNIST_DATA is set, else a drawn ring.</summary>
public static class TestDigits
{
    private static readonly Lazy<ImageSet?> Real = new(() => RealData.Root() is { } root
        ? IdxReader.Read(Path.Combine(root, "mnist", "t10k-images-idx3-ubyte.gz"), Path.Combine(root, "mnist", "t10k-labels-idx1-ubyte.gz"))
        : null);

    public static IReadOnlyList<byte[]> Take(int count) => Real.Value is { } set
        ? [.. Enumerable.Range(0, count).Select(i => set.Pixels(i).ToArray())]
        : [Ring()];

    public static byte[] One() => Take(1)[0];

    /// <summary>A thick anti-aliased ellipse about 14 wide and 20 tall centred at (14, 14), like a well-formed MNIST zero.</summary>
    public static byte[] Ring()
    {
        var pixels = new byte[784];
        for (int y = 0; y < 28; y++)
        {
            for (int x = 0; x < 28; x++)
            {
                double dx = (x - 14) / 5.0, dy = (y - 14) / 7.0;
                double distance = Math.Abs(Math.Sqrt(dx * dx + dy * dy) - 1) * 4;
                pixels[y * 28 + x] = (byte)(255 * Math.Clamp(1.5 - distance, 0, 1));
            }
        }

        return pixels;
    }

    public static float[] Scaled(byte[] pixels) => [.. pixels.Select(p => p / 255f)];

    /// <summary>Nearest-neighbour enlargement by an integer <paramref name="factor"/>.</summary>
    public static byte[] Enlarge(byte[] pixels, int side, int factor)
    {
        int big = side * factor;
        var output = new byte[big * big];
        for (int y = 0; y < big; y++)
        {
            for (int x = 0; x < big; x++)
            {
                output[y * big + x] = pixels[y / factor * side + x / factor];
            }
        }

        return output;
    }

    public static byte[] Invert(byte[] pixels) => [.. pixels.Select(p => (byte)(255 - p))];

    /// <summary>Cosine similarity of two images: 1 when they are the same up to brightness.</summary>
    public static double Similarity(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
