using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Event;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Akka.Serialization;
using ClusterMnist.Cluster.Messages;
using ClusterMnist.Cluster.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterMnist.Cluster.Hosting;

/// <summary>
/// The one place Akka.NET is configured, through Akka.Hosting: logging into Microsoft.Extensions.Logging, the two
/// serializers, and for a cluster node remoting with mutual TLS pinned to the cluster certificate, clustering with
/// its role, the coordinator as seed, failure detection and the keep-oldest split brain resolver.
/// </summary>
public static class ClusterMnistAkka
{
    /// <summary>The actor system's name on every node (part of every cluster address).</summary>
    public const string SystemName = "clustermnist";

    /// <summary>
    /// Configures an actor system for ClusterMnist's actors: a local one when <paramref name="node"/> is null (train in
    /// one process), else a node of the training cluster.
    /// </summary>
    /// <param name="builder">Akka.Hosting's builder.</param>
    /// <param name="node">The node's role, addresses, certificate and failure detection; null for a local system.</param>
    /// <param name="loggerFactory">Where Akka's log events go (every one under the category Akka.Actor.ActorSystem).</param>
    /// <param name="serializeMessages">Serialize every message even between local actors (tests that show each message round-trips).</param>
    public static AkkaConfigurationBuilder WithClusterMnist(this AkkaConfigurationBuilder builder, ClusterNodeOptions? node, ILoggerFactory loggerFactory,
        bool serializeMessages = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        builder
            .ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = Akka.Event.LogLevel.InfoLevel;
                loggers.ClearLoggers();
                loggers.AddLoggerFactory(loggerFactory);
            })
            // Hyperion for the control records only: bound to their marker interface, never to System.Object, with
            // unsafe types refused and a type filter that admits nothing but the protocol's own types.
            .WithCustomSerializer("hyperion", [typeof(IControlMessage)],
                system => new HyperionSerializer(system, ControlMessageTypeFilter.Settings))
            .WithCustomSerializer("clustermnist-tensors", [typeof(ComputeShards), typeof(ShardsDone)], system => new TensorMessageSerializer(system));
        // Akka writes to stdout itself only while no logger runs (start-up, shutdown): warnings and errors only, also of
        // the events a stopped logger left unread (WarningsOnlyStdoutLogger). Every system is terminated by its owner;
        // none is left for the CLR's exit hook (which would log to stdout).
        builder.AddHocon($$"""
            akka.stdout-loglevel = WARNING
            akka.stdout-logger-class = "{{typeof(WarningsOnlyStdoutLogger).AssemblyQualifiedName}}"
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            """, HoconAddMode.Prepend);
        if (serializeMessages)
        {
            // Hosting has no option for this test-only switch.
            builder.AddHocon("akka.actor.serialize-messages = on", HoconAddMode.Prepend);
        }
        if (node is null)
            return builder;

        node.Validate();
        var remote = new RemoteOptions
        {
            HostName = node.BindHost,
            Port = node.Port,
            PublicHostName = node.PublicHost,
        };
        if (node.Certificate is { } certificate)
        {
            remote.EnableSsl = true;
            remote.Ssl = new SslOptions
            {
                X509Certificate = certificate.Certificate,
                RequireMutualAuthentication = true,
                // One self-signed certificate for the whole cluster: no chain to a trust store and no host name to
                // match, so the only check that means anything is that the peer presents exactly this certificate.
                ValidateCertificateHostname = false,
                SuppressValidation = false,
                // Pinning replaces the chain check: a self-signed chain error is no refusal, a different certificate
                // is. The same SHA-256 pin as the data plane's.
                CustomValidator = (peer, _, _, _, _) => certificate.IsClusterPeer(peer),
            };
        }
        builder.WithRemoting(remote);
        if (node.TransportAdapters.Count > 0)
            builder.AddHocon($"akka.remote.dot-netty.tcp.applied-adapters = [{string.Join(", ", node.TransportAdapters)}]", HoconAddMode.Prepend);
        bool seed = node.Role == ClusterRoles.Coordinator;
        builder.WithClustering(new ClusterOptions
        {
            Roles = [node.Role],
            // The coordinator forms the cluster by joining itself (below), at the address it actually bound (a port
            // of 0 is chosen only then); every other node joins through it.
            SeedNodes = seed ? null : [node.SeedAddress],
            // Only the coordinator counts: a side without it downs itself, whatever its size (down-if-alone only
            // matters with several nodes of the role, and there is one coordinator).
            SplitBrainResolver = new KeepOldestOption { Role = ClusterRoles.Coordinator, DownIfAlone = false },
            FailureDetector = new PhiAccrualFailureDetectorOptions
            {
                HeartbeatInterval = node.HeartbeatInterval,
                AcceptableHeartbeatPause = node.AcceptableHeartbeatPause,
            },
        });
        // What the options above cannot express. The resolver's patience (KeepOldestOption has none) and its
        // instability rule; the reaper that turns missed heartbeats into UnreachableMember, every 250 ms so that it adds
        // at most a quarter second to a frozen worker's detection (its Hosting option lands under a key Akka.Cluster
        // never reads); short join retries, so that a worker restarted on the same port is back in seconds, not ~13 s; a
        // drain before leaving as long as a worker's leave may take; and no shutdown hook of Akka's own: the CLI owns
        // SIGTERM (a worker first finishes its shards) and runs the coordinated shutdown itself.
        builder.AddHocon(
            $$"""
            akka.cluster {
              split-brain-resolver.stable-after = {{Milliseconds(node.DowningStableAfter)}}
              # Akka's default downs every node, the coordinator too, when members keep failing for a while (two
              # workers lost a few seconds apart was enough): the coordinator alone decides whether the run goes on.
              split-brain-resolver.down-all-when-unstable = off
              unreachable-nodes-reaper-interval = 250ms
              seed-node-timeout = 2s
              retry-unsuccessful-join-after = 2s
              run-coordinated-shutdown-when-down = on
            }
            akka.remote.dot-netty.tcp.batching.enabled = off
            # The remoting lifecycle events repeat, as "AssociationError [...] -> [...]", each association failure that
            # the endpoint manager logs itself ("Tried to associate with unreachable remote address ..."); our actors
            # subscribe to the events they need.
            akka.remote.log-remote-lifecycle-events = off
            akka.log-dead-letters-during-shutdown = off
            akka.coordinated-shutdown {
              exit-clr = off
              phases.before-cluster-shutdown.timeout = {{Milliseconds(node.DrainTimeout)}}
            }
            """, HoconAddMode.Prepend);
        if (seed)
        {
            builder.WithActors((system, _) =>
            {
                var cluster = Akka.Cluster.Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
            });
        }
        return builder;
    }

    private static string Milliseconds(TimeSpan span) => $"{span.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture)}ms";
}

/// <summary>
/// Akka's stdout logger for warnings and errors only. Akka subscribes it at <c>akka.stdout-loglevel</c>, but a logger
/// stopped at shutdown hands it every event left in its mailbox whatever the level (LoggerMailbox.CleanUp), such as
/// remoting's INFO "Remoting shut down.".
/// </summary>
internal sealed class WarningsOnlyStdoutLogger : StandardOutLogger
{
    protected override void Log(object message)
    {
        if (message is LogEvent logEvent && logEvent.LogLevel() < Akka.Event.LogLevel.WarningLevel)
            return;
        base.Log(message);
    }
}
