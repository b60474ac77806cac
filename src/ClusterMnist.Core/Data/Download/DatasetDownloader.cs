using System.Net;
using System.Security.Cryptography;

namespace ClusterMnist.Core.Data.Download;

/// <summary>
/// Fetches the IDX files of a data set into <see cref="DatasetCatalog.DirectoryFor"/>, trying mirrors in order.
/// Every file is checked against its known SHA-256 before it takes its final name, and is written to a temporary
/// file in the same folder first, so the folder never holds a partial or unverified file under a real name.
/// </summary>
public static class DatasetDownloader
{
    /// <summary>
    /// How long a mirror may take to answer, and how long a download may go without receiving a byte, before the
    /// mirror counts as failed.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private const int ChunkBytes = 1 << 16;

    /// <summary>The usual public mirrors of <paramref name="kind"/>, most reliable first.</summary>
    public static IReadOnlyList<Uri> DefaultMirrors(DatasetKind kind) => kind switch
    {
        DatasetKind.Fashion =>
        [
            new("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
            new("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
        ],
        _ =>
        [
            new("https://ossci-datasets.s3.amazonaws.com/mnist/"),
            new("https://storage.googleapis.com/cvdf-datasets/mnist/"),
            new("http://yann.lecun.com/exdb/mnist/"),
        ],
    };

    /// <summary>
    /// Makes sure every file of <paramref name="kind"/> is present and genuine under <paramref name="dataRoot"/>,
    /// downloading only those that are missing or fail verification. A file already present is reported once
    /// through <paramref name="progress"/> with a <c>file:</c> URI as its mirror.
    /// </summary>
    /// <exception cref="DownloadException">A file could not be fetched from any mirror; lists each mirror's failure.</exception>
    public static Task EnsureAsync(
        string dataRoot,
        DatasetKind kind,
        IReadOnlyList<Uri>? mirrors,
        IProgress<DownloadProgress>? progress,
        CancellationToken ct) =>
        EnsureAsync(dataRoot, kind, mirrors, progress, new DownloadOptions(), ct);

    /// <summary>As the other overload, with a timeout and a listener for mirror failures in <paramref name="options"/>.</summary>
    public static async Task EnsureAsync(
        string dataRoot,
        DatasetKind kind,
        IReadOnlyList<Uri>? mirrors,
        IProgress<DownloadProgress>? progress,
        DownloadOptions options,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(dataRoot);
        mirrors = mirrors is { Count: > 0 } ? mirrors : DefaultMirrors(kind);
        string directory = DatasetCatalog.DirectoryFor(dataRoot, kind);
        Directory.CreateDirectory(directory);

        // Timeouts are enforced per request and per read below, so the client itself never gives up on a slow
        // but steady download of a large file.
        using var client = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("clustermnist/1.0");

        foreach (KnownFile file in KnownFile.For(kind))
        {
            string target = Path.Combine(directory, file.Name);
            if (await IsPresentAsync(file, target, ct).ConfigureAwait(false))
            {
                long length = new FileInfo(target).Length;
                progress?.Report(new DownloadProgress(file.Name, length, length, new Uri(Path.GetFullPath(target))));
                continue;
            }

            await DownloadFromMirrorsAsync(client, file, target, mirrors, progress, options, ct).ConfigureAwait(false);
        }
    }

    private static async Task<bool> IsPresentAsync(KnownFile file, string target, CancellationToken ct)
    {
        if (!File.Exists(target))
        {
            return false;
        }

        string hash = await KnownFile.HashFileAsync(target, ct).ConfigureAwait(false);
        return await file.VerifyAsync(target, hash, ct).ConfigureAwait(false) is null;
    }

    private static async Task DownloadFromMirrorsAsync(
        HttpClient client,
        KnownFile file,
        string target,
        IReadOnlyList<Uri> mirrors,
        IProgress<DownloadProgress>? progress,
        DownloadOptions options,
        CancellationToken ct)
    {
        TimeSpan timeout = options.Timeout;
        var failures = new List<string>();
        foreach (Uri mirror in mirrors)
        {
            Uri address = new(WithTrailingSlash(mirror), file.Name);
            string temporary = Path.Combine(
                Path.GetDirectoryName(target)!, $".{file.Name}.{Guid.NewGuid():N}.part");
            try
            {
                string hash = await FetchAsync(client, address, mirror, file.Name, temporary, progress, timeout, ct)
                    .ConfigureAwait(false);
                string? problem = await file.VerifyAsync(temporary, hash, ct).ConfigureAwait(false);
                if (problem is null)
                {
                    File.Move(temporary, target, overwrite: true);
                    return;
                }

                Fail(problem);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException)
            {
                Fail($"no data for {timeout.TotalSeconds:0.#} s (timed out).");
            }
            catch (Exception e) when (e is HttpRequestException or IOException or NotSupportedException)
            {
                Fail(e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal)
                    ? $"{e.Message} ({inner.Message})"
                    : e.Message);
            }
            finally
            {
                TryDelete(temporary);
            }

            void Fail(string reason)
            {
                reason = reason.EndsWith('.') ? reason : reason + ".";
                failures.Add($"{address}: {reason}");
                options.MirrorFailed?.Invoke(new MirrorFailure(file.Name, address, reason));
            }
        }

        throw new DownloadException(file.Name, failures);
    }

    /// <summary>Streams <paramref name="address"/> into <paramref name="temporary"/>; returns its SHA-256.</summary>
    private static async Task<string> FetchAsync(
        HttpClient client,
        Uri address,
        Uri mirror,
        string name,
        string temporary,
        IProgress<DownloadProgress>? progress,
        TimeSpan timeout,
        CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        using HttpResponseMessage response = await client
            .GetAsync(address, HttpCompletionOption.ResponseHeadersRead, deadline.Token)
            .ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        }

        long? total = response.Content.Headers.ContentLength;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using Stream body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
        await using (var output = new FileStream(
            temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, ChunkBytes, useAsync: true))
        {
            var buffer = new byte[ChunkBytes];
            long received = 0;
            progress?.Report(new DownloadProgress(name, 0, total, mirror));
            while (true)
            {
                // The deadline restarts with every chunk: it bounds a stall, not the length of a slow download.
                deadline.CancelAfter(timeout);
                int read = await body.ReadAsync(buffer, deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                hash.AppendData(buffer, 0, read);
                await output.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                received += read;
                progress?.Report(new DownloadProgress(name, received, total, mirror));
            }

            if (total is { } expected && received != expected)
            {
                throw new IOException($"connection closed after {received:N0} of {expected:N0} bytes.");
            }

            await output.FlushAsync(ct).ConfigureAwait(false);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static Uri WithTrailingSlash(Uri mirror) =>
        mirror.AbsoluteUri.EndsWith('/') ? mirror : new Uri(mirror.AbsoluteUri + "/");

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Nothing more can be done; the name is hidden and unique, so it never shadows a real file.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
