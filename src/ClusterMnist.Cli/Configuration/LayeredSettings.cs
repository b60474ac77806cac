using System.Collections;
using System.Globalization;
using ClusterMnist.Cli.Hosting;
using Microsoft.Extensions.Configuration;

namespace ClusterMnist.Cli.Configuration;

/// <summary>
/// A program's settings before its command-line flags are applied: the JSON file (<c>config/NAME.json</c> under the
/// working directory, or <c>--config FILE</c>; a missing default file is fine), overridden by environment variables
/// <c>ClusterMnist__Section__Key</c>. Every key is checked at load time against the program's schema, so a typo or a
/// bad value stops the program at start-up with a message naming the key and where it came from.
/// </summary>
internal sealed class LayeredSettings
{
    public const string EnvironmentPrefix = "ClusterMnist__";

    private readonly Dictionary<string, (string Value, string Source)> _values;

    private LayeredSettings(Dictionary<string, (string Value, string Source)> values, string? filePath)
    {
        _values = values;
        FilePath = filePath;
    }

    /// <summary>The JSON file that was read; null when there was none.</summary>
    public string? FilePath { get; }

    /// <summary>Reads and checks the file and the environment.</summary>
    /// <exception cref="CliException">A usage error naming the file or variable and the key.</exception>
    public static LayeredSettings Load(SettingsSchema schema, string? explicitFile, string workingDirectory, IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(environment);
        var values = new Dictionary<string, (string Value, string Source)>(StringComparer.OrdinalIgnoreCase);
        string path = Path.GetFullPath(explicitFile ?? Path.Combine("config", schema.FileName), workingDirectory);
        string? filePath = null;
        if (File.Exists(path))
        {
            filePath = path;
            foreach (var (key, value) in ReadJson(path))
            {
                Add(schema, values, key, value, path, isEnvironment: false);
            }
        }
        else if (explicitFile is not null)
        {
            throw CliException.Usage($"--config: file not found: {path}");
        }

        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && entry.Value is string value
                && name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > EnvironmentPrefix.Length)
            {
                string key = name[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal);
                Add(schema, values, key, value, EnvironmentSource + name, isEnvironment: true);
            }
        }

        return new LayeredSettings(values, filePath);
    }

    public string? Text(string key) => _values.TryGetValue(key, out var entry) ? entry.Value : null;

    public long? Integer(string key) => Text(key) is { } text ? long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;

    public double? Number(string key) => Text(key) is { } text ? double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture) : null;

    public bool? Flag(string key) => Text(key) is { } text ? bool.Parse(text) : null;

    /// <summary>Where the value of <paramref name="key"/> came from (file path or variable), for messages.</summary>
    public string? SourceOf(string key) => _values.TryGetValue(key, out var entry) ? entry.Source : null;

    /// <summary>Where the value of <paramref name="key"/> came from, as a phrase: "the environment variable X" or the file's path.</summary>
    public string? Describe(string key) => VariableOf(key) is not null ? "the " + SourceOf(key) : SourceOf(key);

    /// <summary>The environment variable that set <paramref name="key"/>, if one did (a user can unset it).</summary>
    public string? VariableOf(string key) =>
        SourceOf(key) is { } source && source.StartsWith(EnvironmentSource, StringComparison.Ordinal) ? source[EnvironmentSource.Length..] : null;

    private const string EnvironmentSource = "environment variable ";

    private static void Add(
        SettingsSchema schema, Dictionary<string, (string Value, string Source)> values, string key, string value, string source, bool isEnvironment)
    {
        var definition = schema.Find(key);
        if (definition is null)
        {
            if (isEnvironment && schema.IsForeign(key))
            {
                return;
            }

            throw CliException.Usage(
                $"unknown setting '{key}' in {source} (known: {string.Join(", ", schema.Settings.Select(s => s.Key))}).");
        }

        // An empty value (JSON null or "") means "not set": the program's default applies.
        string trimmed = value.Trim();
        if (trimmed.Length == 0)
        {
            values.Remove(definition.Key);
            return;
        }

        if (!definition.Kind.IsValid(trimmed))
        {
            throw CliException.Usage($"setting '{definition.Key}' in {source} is '{trimmed}', but must be {definition.Kind.Expected}.");
        }

        values[definition.Key] = (trimmed, source);
    }

    private static IEnumerable<KeyValuePair<string, string>> ReadJson(string path)
    {
        IConfigurationRoot root;
        try
        {
            root = new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: false).Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw CliException.Usage($"{path} is not a valid settings file: {(e.InnerException ?? e).Message.ReplaceLineEndings(" ")}");
        }

        // Leaves only: section nodes have no value.
        return root.AsEnumerable(makePathsRelative: true)
            .Where(pair => pair.Value is not null)
            .Select(pair => new KeyValuePair<string, string>(pair.Key, pair.Value!))
            .ToArray();
    }
}
