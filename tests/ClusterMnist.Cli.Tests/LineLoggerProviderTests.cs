using System.Net.Sockets;
using System.Reflection;
using Akka.Event;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cluster.Hosting;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cli.Tests;

/// <summary>The console lines of `coordinator` and `worker`: one line per event, never a stack trace.</summary>
public sealed class LineLoggerProviderTests
{
    [Fact]
    public void AnAkkaLineWithAStackTraceInIt_IsOneLine_WithTheExceptionsTypeAndMessage_AndNoFrames()
    {
        // What Akka.Remote logs on each retry while the coordinator's host name does not resolve.
        var output = new StringWriter();
        using var provider = new LineLoggerProvider(output);
        string failure = ThrownResolveFailure().ToString();
        Assert.Contains("   at ", failure, StringComparison.Ordinal);

        provider.CreateLogger("Akka.Actor.ActorSystem").LogWarning(
            "Tried to associate with unreachable remote address [akka.tcp://clustermnist@nosuchhost.invalid:4053]. Reason: [Association failed] Caused by: [{Cause}]",
            failure);

        string line = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("warn: Tried to associate with unreachable remote address", line, StringComparison.Ordinal);
        Assert.Contains("Caused by: [System.Net.Sockets.SocketException (", line, StringComparison.Ordinal);
        Assert.EndsWith("Name or service not known]", line.TrimEnd(), StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APeerThatClosedItsConnection_IsNoErrorNorWarning_ButARefusedConnectionIsStillAWarning()
    {
        var output = new LineSignallingWriter("Connection refused");
        using var provider = new LineLoggerProvider(output);
        await using var node = await AkkaNode.StartAsync(node: null, provider);
        // Logged as Akka.Remote logs them after a graceful leave: the endpoint supervisor's failure and
        // ReliableDeliverySupervisor's warning; then a failure of another kind.
        var disassociated = Disassociated();
        var log = Logging.GetLogger(node.System, "akka://clustermnist/system/endpointManager/reliableEndpointWriter-1");
        log.Error(disassociated, "Disassociated");
        log.Warning("Association with remote system {0} has failed; address is now gated for {1} ms. Reason is: [{2}]",
            "akka.tcp://clustermnist@127.0.0.1:4053", 5000, disassociated);
        log.Warning("Tried to associate with unreachable remote address [{0}]. Reason: [{1}]", "akka.tcp://clustermnist@127.0.0.1:4053",
            "Connection refused");

        // One logger writes them in order: once the last is there, the first two were dropped, not late.
        await output.Seen.WaitAsync(TimeSpan.FromSeconds(20));
        string written = output.ToString();
        Assert.DoesNotContain("Disassociated", written, StringComparison.Ordinal);
        Assert.DoesNotContain("error:", written, StringComparison.Ordinal);
        Assert.Contains("warn: Tried to associate with unreachable remote address", written, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWorkerAlreadyDownedAndThenMarkedUnreachable_IsNoWarning_ButAnUnreachableMemberThatIsUpStillIs()
    {
        var output = new LineSignallingWriter("status = Up");
        using var provider = new LineLoggerProvider(output);
        await using var node = await AkkaNode.StartAsync(node: null, provider);
        // As ClusterCoreDaemon logged them on Akka 1.5.75 (a coordinator's console, one worker SIGKILLed and downed,
        // then the failure detector's verdict some seconds later; and a paused worker that is still Up).
        var log = Logging.GetLogger(node.System, "akka.tcp://clustermnist@127.0.0.1:4153/system/cluster/core/daemon");
        const string Template = "Cluster Node [{0}] - Marking node(s) as UNREACHABLE [{1}]. Node roles [{2}]";
        log.Warning(Template, "akka.tcp://clustermnist@127.0.0.1:4153",
            "Member(address = akka.tcp://clustermnist@127.0.0.1:4155, Uid=1884437786 status = Down, role=[worker], upNumber=3, version=1.0.0)",
            "coordinator");
        log.Warning(Template, "akka.tcp://clustermnist@127.0.0.1:4153",
            "Member(address = akka.tcp://clustermnist@127.0.0.1:4156, Uid=1884437787 status = Down, role=[worker], upNumber=4, version=1.0.0), "
            + "Member(address = akka.tcp://clustermnist@127.0.0.1:4154, Uid=1884437785 status = Up, role=[worker], upNumber=2, version=1.0.0)",
            "coordinator");

        // One logger writes them in order: once the second is there, the first was dropped, not late.
        await output.Seen.WaitAsync(TimeSpan.FromSeconds(20));
        string line = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("UNREACHABLE", StringComparison.Ordinal));
        Assert.Contains("warn: Cluster Node [akka.tcp://clustermnist@127.0.0.1:4153] - Marking node(s) as UNREACHABLE", line, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:4154", line, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1:4155", output.ToString(), StringComparison.Ordinal);
    }

    // Internal to Akka.Remote: made as Akka.Remote makes it.
    private static Exception Disassociated()
    {
        var type = typeof(Akka.Remote.RemoteSettings).Assembly.GetType("Akka.Remote.EndpointDisassociatedException", throwOnError: true)!;
        return (Exception)Activator.CreateInstance(type, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null, ["Disassociated"], null)!;
    }

    private static SocketException ThrownResolveFailure()
    {
        try
        {
            throw new SocketException((int)SocketError.HostNotFound, "Name or service not known");
        }
        catch (SocketException e)
        {
            return e;
        }
    }
}

/// <summary>A writer that completes <see cref="Seen"/> once a line containing the fragment is written.</summary>
internal sealed class LineSignallingWriter(string fragment) : StringWriter
{
    private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Seen => _seen.Task;

    public override void WriteLine(string? value)
    {
        base.WriteLine(value);
        if (value?.Contains(fragment, StringComparison.Ordinal) == true)
            _seen.TrySetResult();
    }
}
