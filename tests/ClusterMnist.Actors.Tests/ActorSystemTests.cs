namespace ClusterMnist.Actors.Tests;

public class ActorSystemTests
{
}
