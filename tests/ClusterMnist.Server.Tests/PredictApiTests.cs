namespace ClusterMnist.Server.Tests;

public class PredictApiTests
{
}
