namespace ClusterMnist.Core.Data.Download;

/// <summary>Settings of <see cref="DatasetDownloader.EnsureAsync(string, DatasetKind, IReadOnlyList{Uri}?, IProgress{DownloadProgress}?, DownloadOptions, CancellationToken)"/>.</summary>
public sealed record DownloadOptions
{
    /// <summary>
    /// How long a mirror may take to answer, and how long a download may go without receiving a byte, before the
    /// mirror counts as failed.
    /// </summary>
    public TimeSpan Timeout { get; init; } = DatasetDownloader.DefaultTimeout;

    /// <summary>Told about each mirror that failed (before the next one is tried), so a user can see why.</summary>
    public Action<MirrorFailure>? MirrorFailed { get; init; }
}

/// <summary>A mirror could not supply <paramref name="File"/>: <paramref name="Reason"/> says why.</summary>
public readonly record struct MirrorFailure(string File, Uri Address, string Reason);
