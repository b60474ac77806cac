using static ClusterMnist.Cli.Configuration.SettingKind;

namespace ClusterMnist.Cli.Configuration;

/// <summary>The settings of the Cluster section that coordinator and worker share: how a node joins the cluster.</summary>
internal static class ClusterSettings
{
    public static IEnumerable<SettingDefinition> Node(string defaultPort) =>
    [
        new("Cluster:Cert", Text, null, "--cert", "The cluster certificate (PFX with its key), the same file on every node (also $CLUSTERMNIST_CERT; password from $CLUSTERMNIST_CERT_PASSWORD). Required unless Insecure."),
        new("Cluster:Insecure", Flag, "false", "--insecure", "Run without a certificate (no TLS; anyone reaching the ports can join). Loopback experiments only."),
        new("Cluster:Port", Integer(0, 65535), defaultPort, "--cluster-port", defaultPort == "0" ? "This node's Akka port (0: a free one)." : "This node's Akka port; workers join it."),
        new("Cluster:Bind", Text, null, "--cluster-bind", "Interface the Akka port listens on (default 0.0.0.0; 127.0.0.1 when Insecure)."),
        new("Cluster:PublicHost", Text, null, "--public-host", "Host name or address other nodes reach this node by; part of its cluster address (default: see README)."),
        new("Cluster:HeartbeatIntervalSeconds", Number(0.01), "0.5", null, "Period of the cluster's failure detector heartbeats."),
        new("Cluster:HeartbeatTimeoutSeconds", Number(0.1), "1.5", null, "Heartbeats may pause this long before a node is unreachable (its shards move; downed if it stays so for 5 s)."),
    ];
}
