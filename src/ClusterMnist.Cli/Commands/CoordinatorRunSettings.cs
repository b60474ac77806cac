namespace ClusterMnist.Cli.Commands;

/// <summary>Everything `coordinator` needs, once the settings file, the environment and the flags are combined.</summary>
internal sealed record CoordinatorRunSettings
{
    /// <summary>The checkpoint's file name inside <see cref="CheckpointDir"/>.</summary>
    public const string CheckpointFileName = "coordinator.ckpt";

    public required TrainSettings Training { get; init; }

    public required string Bind { get; init; }

    public required int Port { get; init; }

    public required int MinWorkers { get; init; }

    /// <summary>A planned scale-up (--scale-at); null for none.</summary>
    public ClusterMnist.Cluster.Coordinator.ScaleAt? ScaleAt { get; init; }

    public string? CheckpointDir { get; init; }

    public int CheckpointEvery { get; init; }

    public bool Resume { get; init; }

    public bool ExitWhenDone { get; init; }

    /// <summary>Offer workers on this host shared memory files for their tensors.</summary>
    public bool SharedMemory { get; init; } = true;

    /// <summary>The cluster node's settings as read (certificate not yet loaded).</summary>
    public required ClusterNodeDraft Node { get; init; }

    public int DataPlanePort { get; init; } = 4054;

    public bool DataPlaneEncryption { get; init; } = true;

    public TimeSpan AssignmentTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan PublishInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    public long MaxBodyBytes { get; init; } = 1024 * 1024;

    public int MaxBatchImages { get; init; } = 1024;

    public int StatusPollMilliseconds { get; init; } = 1000;

    /// <summary>An OpenTelemetry collector to push metrics to as well; null: /metrics only.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>The settings file that was read, if any.</summary>
    public string? SettingsFile { get; init; }

    public string? CheckpointPath => CheckpointDir is null ? null : Path.Combine(CheckpointDir, CheckpointFileName);

    /// <summary>Kestrel's URL; an IPv6 address gets its brackets.</summary>
    public string Url => Bind.Contains(':', StringComparison.Ordinal) && !Bind.StartsWith('[')
        ? $"http://[{Bind}]:{Port}"
        : $"http://{Bind}:{Port}";
}
