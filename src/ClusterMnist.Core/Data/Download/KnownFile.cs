using System.IO.Compression;
using System.Security.Cryptography;

namespace ClusterMnist.Core.Data.Download;

/// <summary>
/// A published data file and the SHA-256 digests that prove a copy genuine: of the .gz bytes as published, and of
/// the decompressed content. The content digest matters for Fashion-MNIST, whose .gz files exist in several
/// compressions (upstream's and Debian's) holding byte-identical IDX data.
/// </summary>
internal sealed record KnownFile(string Name, string? GzipSha256, string? ContentSha256)
{
    /// <summary>The files of <paramref name="kind"/> with their digests.</summary>
    public static IReadOnlyList<KnownFile> For(DatasetKind kind)
    {
        IReadOnlyList<KnownFile> all = kind == DatasetKind.Fashion ? Fashion : Mnist;
        var names = DatasetFiles.IdxNames(kind).Select(n => n + ".gz").ToHashSet();
        return [.. all.Where(f => names.Contains(f.Name))];
    }

    // MNIST: the published digests of the .gz files; content digests computed from the official test files and
    // training labels (the training images' content digest is not known here, so their .gz digest is the check).
    private static readonly KnownFile[] Mnist =
    [
        new("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", null),
        new("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        new("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        new("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    ];

    // Fashion-MNIST: digests of the decompressed IDX content (computed with `zcat FILE | sha256sum` from Debian's
    // dataset-fashion-mnist copies), valid for every compression of the same data.
    private static readonly KnownFile[] Fashion =
    [
        new("train-images-idx3-ubyte.gz", null, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
        new("train-labels-idx1-ubyte.gz", null, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        new("t10k-images-idx3-ubyte.gz", null, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
        new("t10k-labels-idx1-ubyte.gz", null, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
    ];

    /// <summary>
    /// Checks the gzip file at <paramref name="path"/> whose bytes hash to <paramref name="gzipSha256"/>; returns null
    /// when it is genuine, else why not.
    /// </summary>
    public async Task<string?> VerifyAsync(string path, string gzipSha256, CancellationToken cancellationToken)
    {
        if (GzipSha256 is not null && string.Equals(gzipSha256, GzipSha256, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (ContentSha256 is null)
        {
            return $"SHA-256 mismatch: got {gzipSha256}, expected {GzipSha256}.";
        }

        string content;
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await using var gzip = new GZipStream(file, CompressionMode.Decompress);
            content = Convert.ToHexStringLower(await SHA256.HashDataAsync(gzip, cancellationToken).ConfigureAwait(false));
        }
        catch (InvalidDataException e)
        {
            return $"SHA-256 mismatch: the file is not the expected gzip data ({e.Message}).";
        }

        if (string.Equals(content, ContentSha256, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string expected = GzipSha256 is null ? "" : $" (or .gz SHA-256 {GzipSha256})";
        return $"SHA-256 mismatch: decompressed content hashes to {content}, expected {ContentSha256}{expected}.";
    }

    /// <summary>SHA-256 of the file's bytes, lowercase hex.</summary>
    public static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
    }
}
