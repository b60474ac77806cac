using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.Tests.DataPlane;

/// <summary>Keeps every log line (level and formatted message) so tests can check what the data plane said and why.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly List<string> _lines = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        TaskCompletionSource changed;
        lock (_lines)
        {
            _lines.Add($"{logLevel}: {formatter(state, exception)}");
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.SetResult();
    }

    /// <summary>Waits until a line containing every fragment has been logged and returns it (60 s is only a hang guard).</summary>
    public async Task<string> WaitForAsync(params string[] fragments)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            Task changed;
            lock (_lines)
            {
                string? line = _lines.FirstOrDefault(l => fragments.All(f => l.Contains(f, StringComparison.Ordinal)));
                if (line is not null)
                {
                    return line;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(guard.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no log line with [{string.Join(", ", fragments)}] within 60 s; logged:\n{string.Join('\n', Lines)}");
            }
        }
    }
}
