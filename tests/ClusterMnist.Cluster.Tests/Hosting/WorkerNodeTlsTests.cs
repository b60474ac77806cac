using Akka.Actor;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Security;
using ClusterMnist.Cluster.Tests.MultiNode;
using ClusterMnist.Cluster.Worker;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.Tests.Hosting;

/// <summary>
/// What a worker says when TLS keeps it out: which failure it was when Akka's message tells, both likely causes when
/// it does not; and a worker without TLS that a TLS coordinator ignores says that it may need the certificate.
/// </summary>
public sealed class WorkerNodeTlsTests
{
    [Theory]
    // A coordinator without TLS answers the TLS hello with a plain Akka frame.
    [InlineData("TLS handshake failed (Client side):\n  Error: not an SSL/TLS record: 0400000012020802\n",
        "it answered without TLS, so it probably runs with --insecure")]
    // This node's pin refuses the coordinator's certificate.
    [InlineData("TLS handshake failed (Client side):\n  Error: One or more errors occurred. (The remote certificate was rejected by the provided RemoteCertificateValidationCallback.)\n",
        "it presents another certificate than this node's")]
    // The coordinator refused this node's certificate first: only a closed connection.
    [InlineData("TLS handshake failed (Client side):\n  Error: Received an unexpected EOF or 0 bytes from the transport stream.\n  Client-side TLS troubleshooting:\n",
        "(Received an unexpected EOF or 0 bytes from the transport stream.): the coordinator may run without TLS (--insecure) or with a different certificate")]
    public void TlsFailure_SaysWhichItWas_OrNamesBothCauses(string akkaMessage, string expected)
    {
        var reasonType = typeof(Akka.Remote.RemoteSettings).Assembly.GetType("Akka.Remote.Transport.DotNetty.TlsHandshakeFailureReason", throwOnError: true)!;
        var reason = (CoordinatedShutdown.Reason)Activator.CreateInstance(reasonType, akkaMessage)!;

        string why = WorkerNode.DescribeShutdown(reason);

        Assert.StartsWith("the TLS handshake with the coordinator failed", why, StringComparison.Ordinal);
        Assert.Contains(expected, why, StringComparison.Ordinal);
        Assert.DoesNotContain("TlsHandshakeFailureReason", why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkerWithoutTls_ThatATlsCoordinatorIgnores_WarnsThatItMayNeedTheCertificate()
    {
        using var certificate = ClusterCertificate.CreateNew();
        using var logs = new RecordingLoggerFactory();
        await using var nodes = await ClusterNodes.StartAsync(ClusterRuns.Options(1), new CoordinatorSettings(), certificate);
        var options = new ClusterNodeOptions
        {
            Role = ClusterRoles.Worker, BindHost = "127.0.0.1", Port = 0, PublicHost = "127.0.0.1", SeedHost = "127.0.0.1", SeedPort = nodes.ClusterPort,
            JoinHintAfter = TimeSpan.FromSeconds(1),
        };
        await using var worker = await WorkerNode.StartAsync(options, new WorkerSettings("plain"), (_, _) => Task.FromResult(ClusterRuns.Data.Train), logs);

        var hint = await logs.WaitForAsync(e => e.Message.StartsWith("Not in the cluster after", StringComparison.Ordinal), ClusterRuns.Deadline);

        Assert.Equal(LogLevel.Warning, hint.Level);
        Assert.Contains("runs without TLS (--insecure)", hint.Message, StringComparison.Ordinal);
        Assert.Contains("--cert", hint.Message, StringComparison.Ordinal);
    }
}
