using System.Buffers.Binary;

namespace ClusterMnist.Cli.Tests;

/// <summary>
/// A small learnable MNIST-format data set written to a temporary data root: class k is a bright horizontal bar
/// on rows 2k+4 and 2k+5 over faint noise, so a tiny network separates the classes in a few epochs and the
/// tests need neither the real data nor the network.
/// </summary>
internal sealed class TinyDataset : IDisposable
{
    public const int Side = 28;

    public TinyDataset(int trainCount = 600, int testCount = 200)
    {
        Root = Path.Combine(Path.GetTempPath(), $"clustermnist-cli-{Guid.NewGuid():N}");
        var directory = Path.Combine(Root, "mnist");
        Directory.CreateDirectory(directory);
        var random = new Random(7);
        Write(directory, "train", trainCount, random);
        (TestPixels, TestLabels) = Write(directory, "t10k", testCount, random);
    }

    /// <summary>The data root to pass as --data (holds mnist/).</summary>
    public string Root { get; }

    public byte[] TestPixels { get; }

    public byte[] TestLabels { get; }

    public string File(string name) => Path.Combine(Root, name);

    public static byte[] Image(int label, Random random)
    {
        var pixels = new byte[Side * Side];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)random.Next(0, 40);
        }

        for (var row = (2 * label) + 4; row <= (2 * label) + 5; row++)
        {
            for (var column = 4; column < 24; column++)
            {
                pixels[(row * Side) + column] = (byte)random.Next(200, 256);
            }
        }

        return pixels;
    }

    private static (byte[] Pixels, byte[] Labels) Write(string directory, string prefix, int count, Random random)
    {
        var labels = new byte[count];
        var pixels = new byte[count * Side * Side];
        for (var i = 0; i < count; i++)
        {
            labels[i] = (byte)(i % 10);
            Image(labels[i], random).CopyTo(pixels, i * Side * Side);
        }

        using (var images = System.IO.File.Create(Path.Combine(directory, $"{prefix}-images-idx3-ubyte")))
        {
            WriteHeader(images, 0x00000803, count, Side, Side);
            images.Write(pixels);
        }

        using (var labelFile = System.IO.File.Create(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte")))
        {
            WriteHeader(labelFile, 0x00000801, count);
            labelFile.Write(labels);
        }

        return (pixels, labels);
    }

    private static void WriteHeader(Stream stream, int magic, params int[] values)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, magic);
        stream.Write(word);
        foreach (var value in values)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, value);
            stream.Write(word);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
