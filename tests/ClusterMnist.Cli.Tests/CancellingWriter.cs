using System.Text;

namespace ClusterMnist.Cli.Tests;

/// <summary>Cancels when a given text is written: a deterministic stand-in for pressing Ctrl+C at that moment.</summary>
internal sealed class CancellingWriter(string trigger, CancellationTokenSource cancellation) : StringWriter
{
    public override Encoding Encoding => Encoding.UTF8;

    public override void WriteLine(string? value)
    {
        base.WriteLine(value);
        if (value?.Contains(trigger, StringComparison.Ordinal) == true)
        {
            cancellation.Cancel();
        }
    }
}
