using System.IO.Compression;
using System.Security.Cryptography;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Data.Download;

namespace ClusterMnist.Core.Tests.Data.Download;

public class DatasetDownloaderTests : IDisposable
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task EnsureAsync_DownloadsAndVerifiesAllFourFashionFiles()
    {
        if (FashionFolder() is not { } source)
        {
            return;
        }

        using var server = new FileServer(source);
        var reports = new List<DownloadProgress>();
        var progress = new SynchronousProgress(reports);

        await Run(DatasetKind.Fashion, [server.Mirror("good")], progress);

        string directory = DatasetCatalog.DirectoryFor(_temp.Path, DatasetKind.Fashion);
        foreach (string name in FashionNames)
        {
            Assert.Equal(ContentHash(Path.Combine(source, name)), ContentHash(Path.Combine(directory, name)));
        }

        Assert.Equal(FashionNames.Order(), Directory.GetFiles(directory).Select(Path.GetFileName).Order());
        DataSplit split = DatasetCatalog.Load(_temp.Path, DatasetKind.Fashion);
        Assert.Equal(60_000, split.Train.Count);
        Assert.Contains(reports, r => r.File == "t10k-images-idx3-ubyte.gz" && r.BytesReceived == r.TotalBytes && r.BytesReceived > 1_000_000);

        // A second run finds every file present and genuine, and asks the server for nothing.
        int requests = server.Requests.Count;
        await Run(DatasetKind.Fashion, [server.Mirror("good")]);
        Assert.Equal(requests, server.Requests.Count);
    }

    [Fact]
    public async Task EnsureAsync_RejectsACorruptedFile_AndUsesTheNextMirror()
    {
        if (FashionFolder() is not { } source)
        {
            return;
        }

        using var server = new FileServer(source);
        var failures = new List<MirrorFailure>();

        await Run(DatasetKind.Fashion, [server.Mirror("corrupt"), server.Mirror("good")], failures: failures);

        Assert.Equal(4, failures.Count);
        Assert.All(failures, f => Assert.Contains("/corrupt/", f.Address.AbsoluteUri, StringComparison.Ordinal));
        Assert.All(failures, f => Assert.StartsWith("SHA-256 mismatch", f.Reason, StringComparison.Ordinal));
        string directory = DatasetCatalog.DirectoryFor(_temp.Path, DatasetKind.Fashion);
        Assert.Equal(ContentHash(Path.Combine(source, "train-labels-idx1-ubyte.gz")), ContentHash(Path.Combine(directory, "train-labels-idx1-ubyte.gz")));
        Assert.Equal(4, Directory.GetFiles(directory).Length);
    }

    [Fact]
    public async Task EnsureAsync_FallsThrough_WhenAMirrorAnswers404OrSendsHalfAFile()
    {
        if (FashionFolder() is not { } source)
        {
            return;
        }

        using var server = new FileServer(source);
        var failures = new List<MirrorFailure>();

        await Run(
            DatasetKind.Fashion, [server.Mirror("missing"), server.Mirror("short"), server.Mirror("good")], failures: failures);

        Assert.Contains(failures, f => f.Reason.Contains("404", StringComparison.Ordinal));
        Assert.Equal(8, failures.Count);
        Assert.Equal(4, Directory.GetFiles(DatasetCatalog.DirectoryFor(_temp.Path, DatasetKind.Fashion)).Length);
    }

    [Fact]
    public async Task EnsureAsync_ThrowsOneErrorListingEveryMirror_AndLeavesNoFile_WhenAllMirrorsFail()
    {
        if (FashionFolder() is not { } source)
        {
            return;
        }

        using var server = new FileServer(source);
        Uri[] mirrors = [server.Mirror("missing"), server.Mirror("corrupt"), server.Mirror("stall")];

        var e = await Assert.ThrowsAsync<DownloadException>(() => Run(DatasetKind.Fashion, mirrors, timeout: TimeSpan.FromSeconds(1)));

        Assert.Equal("train-images-idx3-ubyte.gz", e.File);
        Assert.Equal(3, e.Failures.Count);
        Assert.Contains("/missing/train-images-idx3-ubyte.gz: HTTP 404", e.Message, StringComparison.Ordinal);
        Assert.Contains("/corrupt/train-images-idx3-ubyte.gz: SHA-256 mismatch", e.Message, StringComparison.Ordinal);
        Assert.Contains("/stall/train-images-idx3-ubyte.gz: no data for 1 s (timed out)", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(DatasetCatalog.DirectoryFor(_temp.Path, DatasetKind.Fashion)));
    }

    [Fact]
    public async Task EnsureAsync_ReplacesAFileThatFailsVerification()
    {
        if (FashionFolder() is not { } source)
        {
            return;
        }

        using var server = new FileServer(source);
        string directory = Directory.CreateDirectory(DatasetCatalog.DirectoryFor(_temp.Path, DatasetKind.Fashion)).FullName;
        string damaged = Path.Combine(directory, "t10k-labels-idx1-ubyte.gz");
        File.WriteAllBytes(damaged, IdxFiles.Gzip(IdxFiles.Labels([1, 2, 3])));

        await Run(DatasetKind.Fashion, [server.Mirror("good")]);

        Assert.Equal(ContentHash(Path.Combine(source, "t10k-labels-idx1-ubyte.gz")), ContentHash(damaged));
    }

    [Fact]
    public async Task EnsureAsync_AcceptsThePublishedMnistGzipHashes()
    {
        if (RealData.Root() is not { } root)
        {
            return;
        }

        using var server = new FileServer(Path.Combine(root, "mnist"));

        // digits-split needs only the MNIST test files, which the shared copy holds byte-identical to the originals.
        await Run(DatasetKind.DigitsSplit, [server.Mirror("good")]);

        string directory = DatasetCatalog.DirectoryFor(_temp.Path, DatasetKind.DigitsSplit);
        Assert.Equal(
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(directory, "t10k-images-idx3-ubyte.gz")))));
        Assert.Equal(2_000, DatasetCatalog.Load(_temp.Path, DatasetKind.DigitsSplit).Test.Count);
    }

    [Fact]
    public void DefaultMirrors_AreTheUsualPublicOnes()
    {
        Assert.Contains(new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"), DatasetDownloader.DefaultMirrors(DatasetKind.Mnist));
        Assert.Contains(
            new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"), DatasetDownloader.DefaultMirrors(DatasetKind.Fashion));
    }

    private static readonly string[] FashionNames =
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    private static string? FashionFolder() => RealData.Root() is { } root ? Path.Combine(root, "fashion-mnist") : null;

    private static string ContentHash(string gzipPath)
    {
        using var gzip = new GZipStream(File.OpenRead(gzipPath), CompressionMode.Decompress);
        return Convert.ToHexStringLower(SHA256.HashData(gzip));
    }

    private async Task Run(
        DatasetKind kind,
        Uri[] mirrors,
        IProgress<DownloadProgress>? progress = null,
        List<MirrorFailure>? failures = null,
        TimeSpan? timeout = null)
    {
        using var bound = new CancellationTokenSource(TestTimeout);
        var options = new DownloadOptions
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
            MirrorFailed = f =>
            {
                lock (mirrors)
                {
                    failures?.Add(f);
                }
            },
        };
        await DatasetDownloader.EnsureAsync(_temp.Path, kind, mirrors, progress, options, bound.Token);
    }

    /// <summary>Records reports on the calling thread (Progress&lt;T&gt; would post them later).</summary>
    private sealed class SynchronousProgress(List<DownloadProgress> reports) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => reports.Add(value);
    }
}
