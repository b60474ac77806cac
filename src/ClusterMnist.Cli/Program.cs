using System.Runtime.InteropServices;
using ClusterMnist.Cli;

// The first Ctrl+C or SIGTERM asks the running command to stop (train then keeps its last epoch's checkpoint);
// a second one terminates the process as usual.
using var cancellation = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    if (!cancellation.IsCancellationRequested)
    {
        context.Cancel = true;
        cancellation.Cancel();
    }
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
return await CliApp.RunAsync(args, Console.Out, Console.Error, cancellation.Token).ConfigureAwait(false);
