namespace ClusterMnist.Cli.Commands;

/// <summary>
/// A file that exists while a worker is ready: created once it is (a Kubernetes exec probe tests for it, since a
/// worker serves no HTTP), deleted when the worker exits.
/// </summary>
internal sealed class ReadinessFile : IDisposable
{
    private readonly Lock _lock = new();
    private readonly string _path;
    private bool _disposed;

    private ReadinessFile(string path) => _path = path;

    /// <summary>Creates <paramref name="path"/> once <paramref name="ready"/> completes; disposing deletes it.</summary>
    public static ReadinessFile Track(Task ready, string path)
    {
        var file = new ReadinessFile(Path.GetFullPath(path));
        File.Delete(file._path);
        _ = ready.ContinueWith(_ => file.Create(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        return file;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            File.Delete(_path);
        }
    }

    private void Create()
    {
        lock (_lock)
        {
            if (!_disposed)
                File.WriteAllText(_path, "ready\n");
        }
    }
}
