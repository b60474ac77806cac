namespace ClusterMnist.Cli.Configuration;

/// <summary>A cluster certificate's path and the setting that named it.</summary>
/// <param name="Path">The PFX file.</param>
/// <param name="Source">For messages: "--cert", "the environment variable CLUSTERMNIST_CERT", "Cluster:Cert in FILE".</param>
/// <param name="Variable">The environment variable that named it, if one did (a user can unset it).</param>
internal sealed record CertificateChoice(string Path, string Source, string? Variable = null);
