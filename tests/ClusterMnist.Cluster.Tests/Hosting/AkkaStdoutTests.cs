using Akka.Actor;
using Akka.Dispatch.MessageQueues;
using Akka.Event;
using ClusterMnist.Cluster.Hosting;

namespace ClusterMnist.Cluster.Tests.Hosting;

[CollectionDefinition(nameof(AkkaStdoutTests), DisableParallelization = true)]
public sealed class AkkaStdoutCollection;

/// <summary>What Akka writes to stdout itself (these tests swap Console.Out, so they run alone).</summary>
[Collection(nameof(AkkaStdoutTests))]
public sealed class AkkaStdoutTests
{
    [Fact]
    public async Task ALoggerStoppedAtShutdown_LeavesOnlyWarningsAndErrorsOnStdout()
    {
        await using var node = await AkkaNode.StartAsync(node: null, loggerFactory: null);
        var system = node.System;
        // What a logger's mailbox does with the events its logger had not read when the system stopped it.
        var mailbox = new LoggerMailbox(system.DeadLetters, system);
        string info = $"info {Guid.NewGuid():N}";
        string warning = $"warning {Guid.NewGuid():N}";
        ((IMessageQueue)mailbox).Enqueue(system.DeadLetters, new Envelope(new Info("remoting-terminator", typeof(AkkaStdoutTests), info), ActorRefs.NoSender));
        ((IMessageQueue)mailbox).Enqueue(system.DeadLetters, new Envelope(new Warning("remoting-terminator", typeof(AkkaStdoutTests), warning), ActorRefs.NoSender));

        var output = new StringWriter();
        var stdout = Console.Out;
        Console.SetOut(output);
        try
        {
            ((IMessageQueue)mailbox).CleanUp(system.DeadLetters, new UnboundedMessageQueue());
        }
        finally
        {
            Console.SetOut(stdout);
        }

        Assert.DoesNotContain(info, output.ToString(), StringComparison.Ordinal);
        Assert.Contains(warning, output.ToString(), StringComparison.Ordinal);
    }
}
