using System.Collections.Concurrent;
using System.Diagnostics;

namespace ClusterMnist.Cli.Tests;

/// <summary>The built `clustermnist` as a child process whose output lines can be awaited; killed on dispose.</summary>
internal sealed class ClusterProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _error = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private ClusterProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Add(_output, e.Data);
        process.ErrorDataReceived += (_, e) => Add(_error, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string[] OutputLines => [.. _output];

    public string Output => string.Join('\n', _output);

    public string Error => string.Join('\n', _error);

    public static ClusterProcess Start(string workingDirectory, params string[] args) =>
        Start(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>Starts it with extra environment variables (set after the cluster certificate's are removed, so they may set them).</summary>
    public static ClusterProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "clustermnist.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["CI"] = "1";
        start.Environment.Remove("CLUSTERMNIST_CERT");
        start.Environment.Remove("CLUSTERMNIST_CERT_PASSWORD");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new ClusterProcess(Process.Start(start)!);
    }

    /// <summary>Waits for an output line containing <paramref name="fragment"/>; fails with the output so far at the deadline.</summary>
    public Task<string> WaitForLineAsync(string fragment, TimeSpan deadline) =>
        WaitForLineAsync(line => line.Contains(fragment, StringComparison.Ordinal), $"'{fragment}'", deadline);

    /// <summary>Waits for an output line that <paramref name="matches"/> (<paramref name="what"/> names it in the failure).</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> matches, string what, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        while (true)
        {
            if (_output.FirstOrDefault(matches) is { } found)
            {
                return found;
            }

            try
            {
                await _lineArrived.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no line with {what} within {deadline}; output:\n{Output}\nerrors:\n{Error}");
            }
        }
    }

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the exit and returns the code; fails with the output at the deadline.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"process still running after {deadline}; output:\n{Output}\nerrors:\n{Error}");
        }

        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as Docker and Kubernetes do to stop a container.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Sends a signal (SIGKILL, SIGSTOP, SIGCONT) to the process itself.</summary>
    public void Signal(int signal) => UnixSignal.Send(_process.Id, signal);

    /// <summary>Sends SIGKILL and waits for the exit, as `docker kill` does to a container: no goodbye, no cleanup.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                // A stopped process would die on SIGKILL too, but continuing it first keeps its exit ordinary.
                UnixSignal.TrySend(_process.Id, UnixSignal.Continue);
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        _lineArrived.Dispose();
    }

    private void Add(ConcurrentQueue<string> lines, string? line)
    {
        if (line is not null)
        {
            lines.Enqueue(line);
            _lineArrived.Release();
        }
    }
}
