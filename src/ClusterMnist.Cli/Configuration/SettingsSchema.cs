namespace ClusterMnist.Cli.Configuration;

/// <summary>The settings one program reads: its JSON file's name and every key it knows.</summary>
/// <param name="FileName">Name of the file in <c>config/</c>, e.g. <c>coordinator.json</c>.</param>
/// <param name="Settings">Every known key.</param>
/// <param name="ForeignSections">
/// Sections that belong to the other program: environment variables for them are ignored rather than refused, so one
/// environment (a shell, a .env file) can configure both the coordinator and its workers.
/// </param>
internal sealed record SettingsSchema(string FileName, IReadOnlyList<SettingDefinition> Settings, IReadOnlyList<string> ForeignSections)
{
    public SettingDefinition? Find(string key) =>
        Settings.FirstOrDefault(s => string.Equals(s.Key, key, StringComparison.OrdinalIgnoreCase));

    public bool IsForeign(string key) =>
        ForeignSections.Any(section => key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase));
}
