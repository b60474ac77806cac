using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.Tests;

/// <summary>One recorded log line.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, string Message, Exception? Exception);

/// <summary>
/// An <see cref="ILoggerFactory"/> that keeps every line, so tests can prove a failure was logged (and with what
/// context) rather than swallowed. <see cref="WaitForAsync"/> waits for a line logged on another thread.
/// </summary>
internal sealed class RecordingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private readonly object _waitersLock = new();
    private readonly List<(Func<LogEntry, bool> Match, TaskCompletionSource<LogEntry> Found)> _waiters = [];

    /// <summary>Everything logged so far, in order.</summary>
    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    /// <summary>Returns the first entry (already logged or yet to come) that matches, or throws after <paramref name="timeout"/>.</summary>
    public async Task<LogEntry> WaitForAsync(Func<LogEntry, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<LogEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waitersLock)
        {
            var existing = _entries.FirstOrDefault(match);
            if (existing is not null)
            {
                return existing;
            }

            _waiters.Add((match, found));
        }

        try
        {
            return await found.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var seen = string.Join(Environment.NewLine, _entries.Select(entry => $"  [{entry.Level}] {entry.Category}: {entry.Message}"));
            throw new TimeoutException($"No matching log entry within {timeout}. Logged:{Environment.NewLine}{seen}");
        }
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new RecordingLogger(this, categoryName);

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private void Add(LogEntry entry)
    {
        lock (_waitersLock)
        {
            _entries.Enqueue(entry);
            foreach (var waiter in _waiters.Where(waiter => waiter.Match(entry)).ToList())
            {
                waiter.Found.TrySetResult(entry);
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed class RecordingLogger(RecordingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(new LogEntry(category, logLevel, formatter(state, exception), exception));
    }
}
