using ClusterMnist.Cli.Hosting;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// A new run never overwrites the checkpoint of an earlier one unless told to: a coordinator restarted without
/// <c>--resume</c>, or <c>train --checkpoint FILE</c> where FILE exists, would start from step 0 and replace the
/// earlier run's work at its first epoch end. Such a start is refused with exit 2, naming the checkpoint and the two
/// choices: continue it, or say <c>--overwrite-checkpoint</c>.
/// </summary>
internal static class CheckpointGuard
{
    /// <summary>The flag that allows starting over on top of an existing checkpoint.</summary>
    public const string OverwriteFlag = "--overwrite-checkpoint";

    /// <summary>
    /// Throws a usage error when the run would write <paramref name="checkpointPath"/>, a file that exists, without
    /// resuming from it (<paramref name="resuming"/>) or being allowed to (<paramref name="overwrite"/>).
    /// <paramref name="resumeCommand"/> is what continues the earlier run, e.g. <c>--resume FILE</c>.
    /// </summary>
    /// <exception cref="CliException">Exit code 2.</exception>
    public static void EnsureNotOverwritten(string? checkpointPath, bool resuming, bool overwrite, string resumeCommand)
    {
        if (resuming && overwrite)
        {
            throw CliException.Usage($"{resumeCommand} and {OverwriteFlag} contradict each other: continue the checkpoint's run, or start over and replace it.");
        }

        if (checkpointPath is null || resuming || overwrite || !File.Exists(checkpointPath))
        {
            return;
        }

        throw CliException.Usage(
            $"{checkpointPath} holds the checkpoint of an earlier run, which this new run would overwrite at its first epoch end. "
            + $"Continue that run with {resumeCommand}, or start a new one over it with {OverwriteFlag}.");
    }
}
