using System.Globalization;
using System.Text;

namespace ClusterMnist.Server.Tests.Metrics;

/// <summary>
/// A strict reader of the Prometheus text exposition format 0.0.4, written here because no served .NET package
/// parses it. It rejects what Prometheus would reject or misread: a sample before its family's TYPE, a TYPE or HELP
/// twice, a family's samples split by another family, malformed names, labels, escapes or values, duplicate series,
/// a negative counter, and histograms whose buckets are not cumulative or do not end in le="+Inf" equal to _count.
/// </summary>
internal static class PrometheusTextParser
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static IReadOnlyDictionary<string, PrometheusFamily> Parse(string text)
    {
        if (!text.EndsWith('\n'))
        {
            throw new FormatException("the exposition must end with a line feed");
        }

        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helps = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new Dictionary<string, List<PrometheusSample>>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var finished = new HashSet<string>(StringComparer.Ordinal);
        int number = 0;
        foreach (string line in text[..^1].Split('\n'))
        {
            number++;
            try
            {
                if (line.Length == 0)
                {
                    continue;
                }

                if (line.StartsWith('#'))
                {
                    ReadComment(line, types, helps, samples);
                    continue;
                }

                var sample = ReadSample(line);
                string family = FamilyOf(sample.Name, types);
                if (!types.ContainsKey(family))
                {
                    throw new FormatException($"sample of '{family}' before its TYPE");
                }

                if (family != current)
                {
                    if (current is not null)
                    {
                        finished.Add(current);
                    }

                    if (finished.Contains(family))
                    {
                        throw new FormatException($"the samples of '{family}' are split by another family");
                    }

                    current = family;
                }

                string key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
                if (!series.Add(key))
                {
                    throw new FormatException($"duplicate series {key}");
                }

                samples[family].Add(sample);
            }
            catch (FormatException e)
            {
                throw new FormatException($"line {number}: {e.Message}: '{line}'", e);
            }
        }

        var families = types.ToDictionary(
            t => t.Key, t => new PrometheusFamily(t.Key, t.Value, helps.GetValueOrDefault(t.Key, ""), samples[t.Key]), StringComparer.Ordinal);
        foreach (var family in families.Values)
        {
            Check(family);
        }

        return families;
    }

    private static void ReadComment(string line, Dictionary<string, string> types, Dictionary<string, string> helps, Dictionary<string, List<PrometheusSample>> samples)
    {
        var parts = line.Split(' ', 4);
        if (parts.Length < 3 || parts[0] != "#" || (parts[1] != "HELP" && parts[1] != "TYPE"))
        {
            return; // any other comment is allowed and means nothing
        }

        string name = parts[2];
        CheckName(name);
        string rest = parts.Length == 4 ? parts[3] : "";
        if (parts[1] == "TYPE")
        {
            if (!Types.Contains(rest))
            {
                throw new FormatException($"unknown type '{rest}'");
            }

            if (samples.TryGetValue(name, out var seen) && seen.Count > 0)
            {
                throw new FormatException($"TYPE of '{name}' after its samples");
            }

            if (!types.TryAdd(name, rest))
            {
                throw new FormatException($"second TYPE for '{name}'");
            }

            samples.TryAdd(name, []);
        }
        else if (!helps.TryAdd(name, UnescapeHelp(rest)))
        {
            throw new FormatException($"second HELP for '{name}'");
        }
    }

    private static PrometheusSample ReadSample(string line)
    {
        int i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }

        string name = line[..i];
        CheckName(name);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                int start = i;
                while (line[i] != '=')
                {
                    i++;
                }

                string label = line[start..i];
                if (!IsLabelName(label))
                {
                    throw new FormatException($"bad label name '{label}'");
                }

                if (line[++i] != '"')
                {
                    throw new FormatException("label value without quotes");
                }

                var value = new StringBuilder();
                for (i++; line[i] != '"'; i++)
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"bad escape '\\{line[i]}' in a label value"),
                        });
                    }
                    else
                    {
                        value.Append(line[i]);
                    }
                }

                if (!labels.TryAdd(label, value.ToString()))
                {
                    throw new FormatException($"label '{label}' twice");
                }

                i++;
                if (line[i] == ',')
                {
                    i++;
                }
                else if (line[i] != '}')
                {
                    throw new FormatException("labels must be separated by commas");
                }
            }

            i++;
        }

        if (i >= line.Length || line[i] != ' ')
        {
            throw new FormatException("no value");
        }

        var fields = line[(i + 1)..].Split(' ');
        if (fields.Length > 2 || (fields.Length == 2 && !long.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            throw new FormatException("expected a value and an optional integer timestamp");
        }

        return new PrometheusSample(name, labels, ParseValue(fields[0]));
    }

    public static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) => value,
        _ => throw new FormatException($"bad value '{text}'"),
    };

    private static string FamilyOf(string sampleName, Dictionary<string, string> types)
    {
        foreach (string suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) && types.GetValueOrDefault(sampleName[..^suffix.Length]) is "histogram" or "summary")
            {
                return sampleName[..^suffix.Length];
            }
        }

        return sampleName;
    }

    private static void Check(PrometheusFamily family)
    {
        if (family.Type == "counter" && family.Samples.Any(s => !(s.Value >= 0)))
        {
            throw new FormatException($"counter '{family.Name}' has a negative or NaN value");
        }

        if (family.Type != "histogram")
        {
            return;
        }

        foreach (var group in family.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"))))
        {
            var buckets = group.Where(s => s.Name == family.Name + "_bucket")
                .Select(s => (Bound: ParseValue(s.Labels["le"]), Count: s.Value)).ToArray();
            var count = group.Single(s => s.Name == family.Name + "_count").Value;
            _ = group.Single(s => s.Name == family.Name + "_sum");
            if (buckets.Length == 0 || !double.IsPositiveInfinity(buckets[^1].Bound) || buckets[^1].Count != count)
            {
                throw new FormatException($"histogram '{family.Name}' must end with le=\"+Inf\" equal to its _count");
            }

            for (int i = 1; i < buckets.Length; i++)
            {
                if (buckets[i].Bound <= buckets[i - 1].Bound || buckets[i].Count < buckets[i - 1].Count)
                {
                    throw new FormatException($"histogram '{family.Name}' buckets are not increasing and cumulative");
                }
            }
        }
    }

    // HELP text escapes only backslash and line feed.
    private static string UnescapeHelp(string text)
    {
        var result = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                result.Append(text[i]);
                continue;
            }

            i++;
            result.Append(i < text.Length ? text[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                _ => throw new FormatException($"bad escape '\\{text[i]}'"),
            } : throw new FormatException("escape at the end of a line"));
        }

        return result.ToString();
    }

    private static void CheckName(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] is '_' or ':') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':'))
        {
            throw new FormatException($"bad metric name '{name}'");
        }
    }

    private static bool IsLabelName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !name.StartsWith("__", StringComparison.Ordinal);
}
