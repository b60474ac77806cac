using System.CommandLine;
using System.Globalization;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cli.Reporting;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Training;
using ClusterMnist.Server;
using ClusterMnist.Server.Hosting;

namespace ClusterMnist.Cli.Commands;

/// <summary>Runs `coordinator` once its settings are known: data, checkpoint, server, epoch lines, shutdown, JSON.</summary>
internal static class CoordinatorRun
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, CoordinatorRunSettings settings, CancellationToken cancellationToken)
    {
        var console = CliConsole.From(parseResult);
        var training = settings.Training;
        var kind = DatasetCatalog.Parse(training.Dataset);
        if (settings.CheckpointDir is { } checkpointDir && File.Exists(checkpointDir))
        {
            throw CliException.Usage($"--checkpoint-dir '{checkpointDir}' is a file; give a folder (it holds {CoordinatorRunSettings.CheckpointFileName}).");
        }

        CheckpointGuard.EnsureNotOverwritten(settings.CheckpointPath, settings.Resume, training.OverwriteCheckpoint, "--resume");
        var model = TrainingOptionsFactory.Model(training);
        if (4L * model.ParameterCount > DataFrameHeader.MaxPayloadLength)
        {
            // Its parameters would not fit one data plane frame: every worker on another node would be dropped at step 1.
            throw CliException.Usage(
                $"model {model} has {model.ParameterCount:N0} parameters; a cluster carries at most {DataFrameHeader.MaxPayloadLength / 4:N0} "
                + $"(1 GiB of float32 per data plane frame). Train it in one process with `train`.");
        }

        // The certificate and the ports are checked before the data set is loaded (or downloaded) for a run that cannot start.
        var node = settings.Node.Resolve(ClusterRoles.Coordinator, seedHost: null, seedPort: 0, Environment.GetEnvironmentVariables());
        ListenCheck.EnsureAvailable("--cluster-port", "--cluster-bind", node.BindHost, node.Port, "another coordinator");
        ListenCheck.EnsureAvailable("--data-plane-port", "--cluster-bind", node.BindHost, settings.DataPlanePort, "another coordinator");
        ListenCheck.EnsureAvailable("--port", "--bind", settings.Bind, settings.Port, "another coordinator or web server");
        if (settings.CheckpointDir is { } folder)
        {
            // Before the data set is loaded: a file where one of its folders should be would otherwise stop the run late.
            OutputFile.EnsureFolder("--checkpoint-dir", folder);
        }

        // The coordinator's part of a step compiles while the data loads and the workers join (who take longer: they
        // start their nodes, join and load the data too), so nothing waits for it; it is stopped if the command ends first.
        await using var warmUp = StepWarmUp.Start(
            training, settings.Resume && File.Exists(settings.CheckpointPath) ? settings.CheckpointPath : null, cancellationToken);
        var data = await DatasetLoader.LoadAsync(console, training.DataRoot ?? DatasetCatalog.DefaultDataDirectory, kind, cancellationToken)
            .ConfigureAwait(false);
        var options = TrainingOptionsFactory.Create(training with { Workers = settings.MinWorkers }, data);

        using var log = new LineLoggerProvider(console.Out);
        if (settings.SettingsFile is { } file)
        {
            log.Write("info", $"Settings from {file}");
        }

        string? resumeFrom = null;
        if (settings.CheckpointPath is { } checkpoint)
        {
            if (settings.Resume && File.Exists(checkpoint))
            {
                resumeFrom = checkpoint;
            }
            else if (settings.Resume)
            {
                log.Write("info", $"No checkpoint at {checkpoint} yet; starting a new run");
            }
        }
        else if (settings.Resume)
        {
            log.Write("warn", "--resume without --checkpoint-dir: nothing to resume from; starting a new run");
        }

        if (node.Certificate is not null)
        {
            log.Write("info", $"Cluster certificate {settings.Node.CertificatePath}{settings.Node.CertificateOrigin} (SHA-256 {node.Certificate.Thumbprint}): mutual TLS, pinned");
            if (!settings.DataPlaneEncryption)
            {
                log.Write("warn", "Coordinator:DataPlaneEncryption is false: tensors cross the network unencrypted (workers are still authenticated by one-time tickets)");
            }
        }

        var serverSettings = new CoordinatorServerSettings
        {
            Url = settings.Url,
            Node = node,
            DataPlanePort = settings.DataPlanePort,
            EncryptDataPlane = settings.DataPlaneEncryption,
            Coordinator = new CoordinatorSettings
            {
                Dataset = training.Dataset,
                MinWorkers = settings.MinWorkers,
                ScaleAt = settings.ScaleAt,
                AssignmentTimeout = settings.AssignmentTimeout,
                CheckpointPath = settings.CheckpointPath,
                CheckpointEverySteps = settings.CheckpointEvery,
                SharedMemory = settings.SharedMemory,
            },
            Server = new ServerOptions
            {
                MaxBodyBytes = settings.MaxBodyBytes,
                MaxBatchImages = settings.MaxBatchImages,
                StatusPollMilliseconds = settings.StatusPollMilliseconds,
                OtlpEndpoint = settings.OtlpEndpoint,
            },
            PublishInterval = settings.PublishInterval,
            ShownConfiguration = new Dictionary<string, string>
            {
                ["dataset"] = data.Name,
                ["exitWhenDone"] = settings.ExitWhenDone ? "true" : "false",
            },
        };

        var server = await CoordinatorServer.StartAsync(serverSettings, options, data, resumeFrom, log, cancellationToken).ConfigureAwait(false);
        if (node.Certificate is null)
        {
            log.Write("warn", $"{settings.Node.InsecureSource}: the cluster runs without TLS; anyone who reaches {NetworkHost.WithPort(node.BindHost, server.ClusterAddress.Port ?? 0)} "
                + $"or the data plane ({NetworkHost.WithPort(node.BindHost, server.DataPlaneEndpoint.Port)}) can join and read or alter the model");
        }

        try
        {
            var run = server.Options;
            if (server.ResumedFrom is { } resumed)
            {
                log.Write("info", $"Resuming {resumeFrom} at step {resumed.Step} ({resumed.Epoch} of {run.Epochs} epochs done); serving its model until training publishes");
                var ignored = SettingsResumeIgnores(options, run);
                if (ignored.Count > 0)
                {
                    log.Write("warn", $"--resume continues the checkpoint's run with its own settings; these given ones differ and are ignored: "
                        + $"{string.Join("; ", ignored)} (to start a new run with them, give another --checkpoint-dir)");
                }
            }

            log.Write("info", Describe(run, data));
            bool alreadyDone = server.ResumedFrom is { } done && done.Epoch >= run.Epochs;
            log.Write("info", Listening(settings with { Port = server.Address.Port }, server));
            log.Write("info", $"Workers join with --coordinator {server.ClusterAddress.Host}:{server.ClusterAddress.Port}; "
                + (alreadyDone ? "the checkpoint's run is already complete" : $"waiting for {settings.MinWorkers} worker(s)"));
            server.Events.EpochCompleted += report => log.Write("info", EpochLine(report, run.Epochs));

            TrainingResult result;
            try
            {
                result = await server.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                log.Write("info", "Stopping (signal): leaving the cluster" + (settings.CheckpointPath is { } c ? $"; the last checkpoint stays in {c}" : string.Empty));
                await server.DisposeAsync().ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (OperationCanceledException)
            {
                throw new CliException("the coordinator stopped before training finished.");
            }

            int workersUsed = server.Events.Status?.Members.Count(m => m.ShardsDone > 0) ?? settings.MinWorkers;
            log.Write("info",
                $"Training finished: test accuracy {result.Test.Accuracy.ToString("P2", CultureInfo.InvariantCulture)}, {result.TrainSeconds:F1} s, "
                + $"{result.SamplesPerSecond:N0} samples/s on {workersUsed} worker(s); parameters sha256 {result.ParameterSha256}");
            if (settings.ExitWhenDone)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                log.Write("info", $"Serving the final model on {(settings with { Port = server.Address.Port }).Url} until stopped");
            }

            if (training.Json)
            {
                log.Close();
                var summary = new TrainSummary(result.Test.Accuracy, result.Epochs.Count, result.TrainSeconds, result.SamplesPerSecond, workersUsed, result.ParameterSha256);
                await console.Out.WriteLineAsync(JsonLine.Serialize(summary)).ConfigureAwait(false);
                await console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }

            if (!settings.ExitWhenDone)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                log.Write("info", "Stopping (signal)");
            }

            return ExitCodes.Success;
        }
        finally
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    // Which interfaces serve what: the HTTP API has no authentication, so an address open to the network is said plainly.
    private static string Listening(CoordinatorRunSettings settings, CoordinatorServer server)
    {
        static string Scope(string bind) => bind is "0.0.0.0" or "::" or "[::]" ? "every interface" : bind is "127.0.0.1" or "::1" or "localhost" ? "this machine only" : "that interface";
        var node = server.ClusterAddress;
        string tls = settings.Node.Insecure ? "no TLS" : "mutual TLS";
        return $"Listening: web page and HTTP API (/api/predict, /api/status, /metrics; no authentication) on {settings.Url} ({Scope(settings.Bind)}); "
            + $"cluster {node} on {NetworkHost.WithPort(settings.Node.Bind, node.Port ?? 0)} ({Scope(settings.Node.Bind)}, {tls}); "
            + $"data plane on {NetworkHost.WithPort(settings.Node.Bind, server.DataPlaneEndpoint.Port)} ({(server.DataPlaneEncrypted ? "TLS" : "unencrypted")})";
    }

    /// <summary>One line per epoch: accuracy, throughput, cluster size, traffic and where a step's time went.</summary>
    internal static string EpochLine(ClusterEpochReport report, int totalEpochs)
    {
        var e = report.Report;
        var t = report.TimePerStep;
        string faults = report.Reassignments > 0 || report.LateAnswersIgnored > 0
            ? string.Create(CultureInfo.InvariantCulture, $"  {report.Reassignments} reassignment(s), {report.LateAnswersIgnored} late answer(s) ignored")
            : string.Empty;
        string redos = report.Redos > 0
            ? string.Create(CultureInfo.InvariantCulture, $"  {report.Redos} step(s) redone with raised reduction exponents")
            : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"epoch {e.Epoch}/{totalEpochs}  train loss {e.TrainLoss:F4}  test loss {e.TestLoss:F4} acc {e.TestAccuracy:P2}  "
            + $"{e.SamplesPerSecond:N0} samples/s  {report.LiveWorkers} live worker(s)  {report.BytesPerStep:N0} B/step  "
            + $"step ms: compute {t.Compute * 1e3:F2}, communication {t.Communication * 1e3:F2}, reduction {t.Reduction * 1e3:F2}, waiting {t.Waiting * 1e3:F2}{faults}{redos}");
    }

    /// <summary>
    /// The run settings in <paramref name="given"/> (from flags, files and defaults) that differ from those of the
    /// resumed run, as "name given (checkpoint: value)". Worker counts are not run settings: the result is the same
    /// for any.
    /// </summary>
    internal static IReadOnlyList<string> SettingsResumeIgnores(TrainingOptions given, TrainingOptions resumed)
    {
        var differences = new List<string>();
        void Compare(string name, object a, object b)
        {
            string mine = Convert.ToString(a, CultureInfo.InvariantCulture)!, theirs = Convert.ToString(b, CultureInfo.InvariantCulture)!;
            if (mine != theirs)
            {
                differences.Add($"{name} {mine} (checkpoint: {theirs})");
            }
        }

        Compare("model", given.Model, resumed.Model);
        Compare("init", given.Init, resumed.Init);
        Compare("optimizer", given.Optimizer.Kind, resumed.Optimizer.Kind);
        Compare("weight decay", given.Optimizer.WeightDecay, resumed.Optimizer.WeightDecay);
        Compare("lr", given.Schedule.BaseRate, resumed.Schedule.BaseRate);
        Compare("schedule", given.Schedule.Kind, resumed.Schedule.Kind);
        Compare("warmup", given.Schedule.WarmupSteps, resumed.Schedule.WarmupSteps);
        Compare("batch", given.BatchSize, resumed.BatchSize);
        Compare("epochs", given.Epochs, resumed.Epochs);
        Compare("seed", given.Seed, resumed.Seed);
        return differences;
    }

    private static string Describe(TrainingOptions options, DataSplit data) =>
        $"Training {options.Model} on {data.Name} ({data.Train.Count:N0} train, {data.Test.Count:N0} test images, fingerprint {data.Train.Fingerprint[..12]}): "
        + $"{options.Init} init, {options.Optimizer.Kind} lr {options.Schedule.BaseRate.ToString(CultureInfo.InvariantCulture)} "
        + $"{options.Schedule.Kind}, batch {options.BatchSize}, {TrainingOptionsFactory.Plural(options.Epochs, "epoch")}, seed {options.Seed}";
}
