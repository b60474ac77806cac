namespace ClusterMnist.Cluster.Coordinator;

/// <summary>How a coordinator runs its cluster (the training itself is described by a TrainingRun).</summary>
public sealed record CoordinatorSettings
{
    /// <summary>The coordinator id told to workers and written in its log lines (its actor is named <c>CoordinatorHost.ActorName</c>).</summary>
    public string Name { get; init; } = "coordinator";

    /// <summary>Workers that must have joined before the first step; afterwards one live worker suffices.</summary>
    public int MinWorkers { get; init; } = 1;

    /// <summary>
    /// A planned scale-up: before this epoch's first step the run waits until this many workers are live, so new
    /// workers join at a known point instead of racing the run; null for none. Checked once per start of that epoch.
    /// </summary>
    public ScaleAt? ScaleAt { get; init; }

    /// <summary>The data set's name (DatasetCatalog), which workers on other nodes are told to load.</summary>
    public string Dataset { get; init; } = "";

    /// <summary>
    /// A worker that has not answered an assignment for this long is declared dead (a hung computation, or a node
    /// the failure detector has not given up on yet); keep it well above a step's compute time.
    /// </summary>
    public TimeSpan AssignmentTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Where to write checkpoints (at every epoch end, so also at the end); null for none.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Also checkpoint every this many global steps inside an epoch (0 = only at epoch ends).</summary>
    public int CheckpointEverySteps { get; init; }

    /// <summary>
    /// Offer workers that ask for it to exchange parameters and sums through shared memory files; used by those that
    /// turn out to be on this host (the others, and every worker when this is off, use their data plane stream).
    /// </summary>
    public bool SharedMemory { get; init; } = true;

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MinWorkers);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(AssignmentTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(CheckpointEverySteps);
        if (ScaleAt is { } scale)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale.Epoch, nameof(ScaleAt));
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale.Workers, nameof(ScaleAt));
        }
    }
}

/// <summary>Wait before the first step of <paramref name="Epoch"/> (1-based) until <paramref name="Workers"/> are live.</summary>
public readonly record struct ScaleAt(int Epoch, int Workers)
{
    /// <summary>Parses <c>EPOCH:WORKERS</c>, e.g. <c>2:3</c>; false when the text is not two positive integers.</summary>
    public static bool TryParse(string text, out ScaleAt value)
    {
        value = default;
        var parts = text.Split(':', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int epoch)
            || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int workers)
            || epoch < 1 || workers < 1)
        {
            return false;
        }

        value = new ScaleAt(epoch, workers);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Epoch}:{Workers}";
}
