namespace ClusterMnist.Cli.Hosting;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls back on the reporting thread. <see cref="Progress{T}"/> would post to
/// the thread pool, so a final report could arrive after the work has finished and the display has closed.
/// </summary>
internal sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
