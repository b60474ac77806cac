namespace ClusterMnist.Cli.Configuration;

/// <summary>One setting of a configuration file: its key ("Section:Key"), values, default and meaning.</summary>
/// <param name="Key">Section and key, e.g. <c>Coordinator:Port</c> (environment: <c>ClusterMnist__Coordinator__Port</c>).</param>
/// <param name="Kind">Values it takes.</param>
/// <param name="Default">The default as written in the shipped JSON file; null when the program decides.</param>
/// <param name="Flag">The command-line flag that overrides it, if any.</param>
/// <param name="Description">What it does.</param>
internal sealed record SettingDefinition(string Key, SettingKind Kind, string? Default, string? Flag, string Description)
{
    public string Section => Key[..Key.IndexOf(':', StringComparison.Ordinal)];
}
