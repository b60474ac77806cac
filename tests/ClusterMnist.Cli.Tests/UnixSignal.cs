using System.Runtime.InteropServices;

namespace ClusterMnist.Cli.Tests;

/// <summary>
/// kill(2) for the fault tests: SIGKILL ends a worker without goodbye or socket close handshake, SIGSTOP freezes it
/// with its connection open (the coordinator must notice the silence), SIGCONT lets it go on with stale work.
/// Linux signal numbers.
/// </summary>
internal static partial class UnixSignal
{
    public const int Kill = 9;
    public const int Continue = 18;
    public const int Stop = 19;

    public static void Send(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Sends and ignores failure (the process may have exited already).</summary>
    public static void TrySend(int pid, int signal) => _ = kill(pid, signal);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
