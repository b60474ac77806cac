using System.IO.Compression;
using System.Security.Cryptography;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Data.Download;

namespace ClusterMnist.Core.Tests.Data.Download;

public class DatasetDownloaderTests : IDisposable
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(120);

    // Long enough that no mirror that sends data reaches it on a loaded machine; the stalling mirror never sends.
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(5);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [SkippableFact]
    public async Task EnsureAsync_DownloadsAndVerifiesAllFourFashionFiles()
    {
        string source = FashionFolder();

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

    [SkippableFact]
    public async Task EnsureAsync_RejectsACorruptedFile_AndUsesTheNextMirror()
    {
        string source = FashionFolder();

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

    [SkippableFact]
    public async Task EnsureAsync_FallsThrough_WhenAMirrorAnswers404OrSendsHalfAFile()
    {
        string source = FashionFolder();

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
        // Independent of the machine's speed: the "corrupt" mirror serves a few hundred bytes (not the 26 MB real file,
        // which once hit the stall timeout at load 13 and read "timed out"), the "stall" mirror never sends a byte
        // until the server stops, and the timeout is generous, so only the stall can reach it.
        using var small = new TempDirectory();
        foreach (string name in FashionNames)
        {
            File.WriteAllBytes(small.File(name), IdxFiles.Gzip(IdxFiles.Labels([1, 2, 3])));
        }

        using var server = new FileServer(small.Path);
        Uri[] mirrors = [server.Mirror("missing"), server.Mirror("corrupt"), server.Mirror("stall")];

        var e = await Assert.ThrowsAsync<DownloadException>(() => Run(DatasetKind.Fashion, mirrors, timeout: StallTimeout));

        Assert.Equal("train-images-idx3-ubyte.gz", e.File);
        Assert.Equal(3, e.Failures.Count);
        Assert.Contains("/missing/train-images-idx3-ubyte.gz: HTTP 404", e.Message, StringComparison.Ordinal);
        Assert.Contains("/corrupt/train-images-idx3-ubyte.gz: SHA-256 mismatch", e.Message, StringComparison.Ordinal);
        Assert.Contains($"/stall/train-images-idx3-ubyte.gz: no data for {StallTimeout.TotalSeconds:0} s (timed out)", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(DatasetCatalog.DirectoryFor(_temp.Path, DatasetKind.Fashion)));
    }

    [SkippableFact]
    public async Task EnsureAsync_ReplacesAFileThatFailsVerification()
    {
        string source = FashionFolder();

        using var server = new FileServer(source);
        string directory = Directory.CreateDirectory(DatasetCatalog.DirectoryFor(_temp.Path, DatasetKind.Fashion)).FullName;
        string damaged = Path.Combine(directory, "t10k-labels-idx1-ubyte.gz");
        File.WriteAllBytes(damaged, IdxFiles.Gzip(IdxFiles.Labels([1, 2, 3])));

        await Run(DatasetKind.Fashion, [server.Mirror("good")]);

        Assert.Equal(ContentHash(Path.Combine(source, "t10k-labels-idx1-ubyte.gz")), ContentHash(damaged));
    }

    [SkippableFact]
    public async Task EnsureAsync_AcceptsThePublishedMnistGzipHashes()
    {
        string root = RealData.Required();

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

    private static string FashionFolder() => Path.Combine(RealData.Required(), "fashion-mnist");

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
            // Generous: a stall is the only thing that should time out, and a loaded machine can pause a transfer.
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
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
