namespace ClusterMnist.Core.Data.Download;

/// <summary>How far the download of <paramref name="File"/> from <paramref name="Mirror"/> has come.</summary>
/// <param name="File">File name, such as <c>train-images-idx3-ubyte.gz</c>.</param>
/// <param name="BytesReceived">Bytes received so far from this mirror.</param>
/// <param name="TotalBytes">Length the server announced, when it did.</param>
/// <param name="Mirror">The mirror being tried.</param>
public readonly record struct DownloadProgress(string File, long BytesReceived, long? TotalBytes, Uri Mirror);
