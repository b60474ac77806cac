namespace ClusterMnist.Cli.Tests;

public class CliTests
{
}
