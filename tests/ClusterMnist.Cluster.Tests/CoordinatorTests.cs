namespace ClusterMnist.Cluster.Tests;

public class CoordinatorTests
{
}
