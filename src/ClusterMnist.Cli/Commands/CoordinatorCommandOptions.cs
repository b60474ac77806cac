using System.Collections;
using System.CommandLine;
using System.Globalization;
using ClusterMnist.Cli.Configuration;
using ClusterMnist.Cluster.Hosting;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// The flags of `coordinator`: its own, plus the training flags of `train` (the same option objects and parsing,
/// minus --workers, --checkpoint, --resume FILE and --plot, which mean other things on a cluster). No flag has a
/// parser default, so an absent flag leaves the settings file's value (or the environment's) in force.
/// </summary>
internal sealed class CoordinatorCommandOptions
{
    public CoordinatorCommandOptions()
    {
        // The same option object as train's, but a coordinator serves on after training and may be stopped before the end.
        Training.Json.Description = "Print one JSON line once training has finished (the last line with --exit-when-done; none when stopped before): "
            + "test_accuracy, epochs, train_seconds, samples_per_second, workers (those that computed shards), param_sha256.";
    }

    public TrainCommandOptions Training { get; } = new();

    public Option<int?> Port { get; } = new Option<int?>("--port")
    {
        HelpName = "PORT",
        Description = "Port of the web page and HTTP API. Default 8080; 0 picks a free one.",
    }.InRange(0, 65535);

    public Option<string?> Bind { get; } = new("--bind")
    {
        HelpName = "ADDR",
        Description = "Address the HTTP API listens on. Default 0.0.0.0 (every interface); 127.0.0.1 keeps it on this machine.",
    };

    public Option<int?> MinWorkers { get; } = new Option<int?>("--min-workers")
    {
        HelpName = "N",
        Description = "Workers that must join before the first step. Default 1.",
    }.AtLeast(1);

    public Option<string?> ScaleAt { get; } = new("--scale-at")
    {
        HelpName = "EPOCH:WORKERS",
        Description = "A planned scale-up: before EPOCH starts, the run waits until WORKERS workers are live (e.g. 2:3 waits at epoch 2 for a third worker). Default: none.",
    };

    public Option<string?> CheckpointDir { get; } = new("--checkpoint-dir")
    {
        HelpName = "DIR",
        Description = "Write the run's checkpoint (coordinator.ckpt) here at every epoch end; the folder is created if missing.",
    };

    public Option<int?> CheckpointEvery { get; } = new Option<int?>("--checkpoint-every")
    {
        HelpName = "K",
        Description = "Also checkpoint every K steps inside an epoch. Default 0 (epoch ends only).",
    }.AtLeast(0);

    public Option<bool> Resume { get; } = new("--resume")
    {
        Description = "Continue from the checkpoint in --checkpoint-dir when there is one; start fresh when there is none.",
    };

    public Option<bool> ExitWhenDone { get; } = new("--exit-when-done")
    {
        Description = "Exit after training (with --json, the last line is train's JSON) instead of serving predictions until stopped.",
    };

    public Option<bool> NoSharedMemory { get; } = new("--no-shared-memory")
    {
        Description = "Send every worker's parameters and sums over its data plane stream, also to workers on this host (which otherwise use shared memory files).",
    };

    public Option<int?> DataPlanePort { get; } = new Option<int?>("--data-plane-port")
    {
        HelpName = "PORT",
        Description = "TCP port of the data plane, where workers on other hosts stream tensors (on the cluster bind address). Default 4054; 0 picks a free one.",
    }.InRange(0, 65535);

    public ClusterNodeCommandOptions Cluster { get; } = new("coordinator", defaultPort: ClusterNodeOptions.DefaultPort);

    public Option<string?> OtlpEndpoint { get; } = new(OtlpEndpointSetting.Flag)
    {
        HelpName = "URL",
        Description = OtlpEndpointSetting.Description,
    };

    public Option<string?> Config { get; } = new("--config")
    {
        HelpName = "FILE",
        Description = "Settings file. Default config/coordinator.json under the working directory (skipped when missing).",
    };

    public IEnumerable<Option> All =>
    [
        Port, Bind, MinWorkers, ScaleAt, CheckpointDir, CheckpointEvery, Resume, ExitWhenDone, NoSharedMemory, DataPlanePort, .. Cluster.All, OtlpEndpoint, Config,
        .. Training.All.Except([Training.Workers, Training.Checkpoint, Training.Resume, Training.Plot]),
    ];

    // Kestrel listens on every interface for any host that is neither an IP address nor localhost, so a typo or a host
    // name would expose the API everywhere: only those two are taken.
    private static string HttpBind(string bind) =>
        System.Net.IPAddress.TryParse(bind.Trim('[', ']'), out _) || bind.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            ? bind
            : throw ClusterMnist.Cli.Hosting.CliException.Usage(
                $"--bind '{bind}' is not an IP address (e.g. 127.0.0.1, 0.0.0.0 for every interface, ::1) or localhost.");

    /// <summary>Settings file, then environment, then flags; every value checked before anything starts.</summary>
    public CoordinatorRunSettings Read(ParseResult result, string workingDirectory, IDictionary environment)
    {
        var file = LayeredSettings.Load(CoordinatorSchema.Schema, result.GetValue(Config), workingDirectory, environment);
        var training = TrainingFromSettings(file);
        if ((result.GetValue(Training.Preset) ?? file.Text("Training:Preset")) is { } preset)
        {
            // A preset names a whole configuration: it replaces the file's training values, except where the data is.
            training = TrainSettings.ForPreset(preset) with { DataRoot = training.DataRoot, Dataset = training.Dataset, Seed = training.Seed };
        }

        training = Training.Read(result, training with { Json = file.Flag("Coordinator:Json") ?? false });
        string bind = HttpBind(result.GetValue(Bind) ?? file.Text("Coordinator:Bind") ?? "0.0.0.0");
        var node = Cluster.Read(result, file, environment);
        int port = result.GetValue(Port) ?? (int?)file.Integer("Coordinator:Port") ?? 8080;
        if (port == 0 && bind.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            // Kestrel binds localhost on both loopback addresses and cannot give them one free port; its own message
            // ("Dynamic port binding is not supported ...") named neither flag.
            throw ClusterMnist.Cli.Hosting.CliException.Usage(
                "--bind localhost cannot be combined with --port 0 (a free port is picked for one address only); give --bind 127.0.0.1 or --bind ::1.");
        }

        int dataPlanePort = result.GetValue(DataPlanePort) ?? (int?)file.Integer("Coordinator:DataPlanePort") ?? 4054;
        EnsureDistinctPorts(bind, port, node, dataPlanePort);
        return new CoordinatorRunSettings
        {
            Training = training,
            Bind = bind,
            Port = port,
            MinWorkers = result.GetValue(MinWorkers) ?? (int?)file.Integer("Coordinator:MinWorkers") ?? 1,
            ScaleAt = ParseScaleAt(result.GetValue(ScaleAt) ?? file.Text("Coordinator:ScaleAt")),
            CheckpointDir = result.GetValue(CheckpointDir) ?? file.Text("Coordinator:CheckpointDir"),
            CheckpointEvery = result.GetValue(CheckpointEvery) ?? (int?)file.Integer("Coordinator:CheckpointEvery") ?? 0,
            Resume = result.GetValue(Resume) || (file.Flag("Coordinator:Resume") ?? false),
            ExitWhenDone = result.GetValue(ExitWhenDone) || (file.Flag("Coordinator:ExitWhenDone") ?? false),
            SharedMemory = !result.GetValue(NoSharedMemory) && (file.Flag("Coordinator:SharedMemory") ?? true),
            Node = node,
            DataPlanePort = dataPlanePort,
            DataPlaneEncryption = file.Flag("Coordinator:DataPlaneEncryption") ?? true,
            AssignmentTimeout = TimeSpan.FromSeconds(file.Number("Coordinator:AssignmentTimeoutSeconds") ?? 60),
            PublishInterval = TimeSpan.FromMilliseconds(file.Integer("Coordinator:PublishIntervalMilliseconds") ?? 50),
            MaxBodyBytes = file.Integer("Http:MaxBodyBytes") ?? 1024 * 1024,
            MaxBatchImages = (int)(file.Integer("Http:MaxBatchImages") ?? 1024),
            StatusPollMilliseconds = (int)(file.Integer("Http:StatusPollMilliseconds") ?? 1000),
            OtlpEndpoint = OtlpEndpointSetting.Parse(result.GetValue(OtlpEndpoint) ?? file.Text(OtlpEndpointSetting.Key)),
            SettingsFile = file.FilePath,
        };
    }

    // Each listener would pass the port check alone (it opens and closes the port), and the second to bind would then
    // fail deep inside Akka.Remote or Kestrel. The cluster port and the data plane share the cluster bind address; the
    // HTTP port clashes with them only where the two addresses overlap (the same one, or every interface).
    private static void EnsureDistinctPorts(string httpBind, int httpPort, ClusterNodeDraft node, int dataPlanePort)
    {
        if (node.Port != 0 && node.Port == dataPlanePort)
        {
            throw ClusterMnist.Cli.Hosting.CliException.Usage(
                $"--cluster-port and --data-plane-port are both {node.Port}; they must differ (0 picks a free port for either).");
        }

        if (httpPort != 0 && Overlap(httpBind, node.Bind))
        {
            string? clash = httpPort == node.Port ? "--cluster-port" : httpPort == dataPlanePort ? "--data-plane-port" : null;
            if (clash is not null)
            {
                throw ClusterMnist.Cli.Hosting.CliException.Usage(
                    $"--port and {clash} are both {httpPort} on overlapping addresses ({httpBind} and {node.Bind}); they must differ (0 picks a free port for either).");
            }
        }
    }

    private static bool Overlap(string a, string b)
    {
        // localhost is both loopback addresses to Kestrel.
        static string[] Addresses(string host) => host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? ["127.0.0.1", "::1"] : [NetworkHost.Bare(host)];
        static bool EveryInterface(string host) => System.Net.IPAddress.TryParse(host, out var ip) && (ip.Equals(System.Net.IPAddress.Any) || ip.Equals(System.Net.IPAddress.IPv6Any));
        var left = Addresses(a);
        var right = Addresses(b);
        return left.Any(EveryInterface) || right.Any(EveryInterface) || left.Intersect(right, StringComparer.OrdinalIgnoreCase).Any();
    }

    private static ClusterMnist.Cluster.Coordinator.ScaleAt? ParseScaleAt(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return ClusterMnist.Cluster.Coordinator.ScaleAt.TryParse(text, out var scale)
            ? scale
            : throw ClusterMnist.Cli.Hosting.CliException.Usage($"--scale-at '{text}' is not EPOCH:WORKERS with two positive integers (e.g. 2:3).");
    }

    private static TrainSettings TrainingFromSettings(LayeredSettings file)
    {
        var d = TrainSettings.Default;
        return d with
        {
            DataRoot = file.Text("Training:Data") ?? d.DataRoot,
            Dataset = file.Text("Training:Dataset") ?? d.Dataset,
            Model = file.Text("Training:Model") ?? d.Model,
            Activation = file.Text("Training:Activation") ?? d.Activation,
            Loss = file.Text("Training:Loss") ?? d.Loss,
            Dropout = (float?)file.Number("Training:Dropout") ?? d.Dropout,
            Init = file.Text("Training:Init") ?? d.Init,
            Optimizer = file.Text("Training:Optimizer") ?? d.Optimizer,
            LearningRate = (float?)file.Number("Training:LearningRate") ?? d.LearningRate,
            WeightDecay = (float?)file.Number("Training:WeightDecay") ?? d.WeightDecay,
            Schedule = file.Text("Training:Schedule") ?? d.Schedule,
            Warmup = file.Integer("Training:Warmup") ?? d.Warmup,
            Batch = (int?)file.Integer("Training:Batch") ?? d.Batch,
            Epochs = (int?)file.Integer("Training:Epochs") ?? d.Epochs,
            Seed = file.Text("Training:Seed") is { } seed ? ulong.Parse(seed, CultureInfo.InvariantCulture) : d.Seed,
        };
    }
}
