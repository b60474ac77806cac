using Akka.Actor;
using Akka.Event;
using ClusterMnist.Cluster.DataPlane;
using Xunit.Abstractions;

namespace ClusterMnist.Cluster.Tests.Actors;

/// <summary>Notices that arrive after the coordinator has stopped, as a run ends, are expected and not logged.</summary>
public sealed class ShutdownNoticeSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    [Fact]
    public void AStreamClosedAfterTheCoordinatorStopped_IsASuppressedDeadLetter()
    {
        var letters = CreateTestProbe();
        Sys.EventStream.Subscribe(letters.Ref, typeof(AllDeadLetters));
        var coordinator = Sys.ActorOf(Props.Empty, "coordinator");
        Watch(coordinator);
        Sys.Stop(coordinator);
        ExpectTerminated(coordinator);

        coordinator.Tell(new StreamClosed(null!, "closed by this side"));

        // Akka's dead letter logger writes DeadLetter events; a suppressed one is published as this instead.
        var letter = letters.FishForMessage<AllDeadLetters>(l => l.Message is StreamClosed);
        Assert.IsType<SuppressedDeadLetter>(letter);
    }
}
