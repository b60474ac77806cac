using System.Globalization;
using System.Text;

namespace ClusterMnist.Server.Metrics;

/// <summary>Writes the Prometheus text exposition format (version 0.0.4): HELP and TYPE lines, then samples.</summary>
internal sealed class PrometheusText
{
    /// <summary>The Content-Type Prometheus expects for this format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();

    /// <summary>Starts a metric family.</summary>
    public PrometheusText Family(string name, string type, string help)
    {
        _text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    /// <summary>One sample; <paramref name="labels"/> is the text between braces, e.g. <c>outcome="ok"</c>.</summary>
    public PrometheusText Sample(string name, double value, string? labels = null)
    {
        _text.Append(name);
        if (labels is not null)
        {
            _text.Append('{').Append(labels).Append('}');
        }

        _text.Append(' ').Append(Format(value)).Append('\n');
        return this;
    }

    /// <summary>A gauge family with a single sample.</summary>
    public PrometheusText Gauge(string name, string help, double value) => Family(name, "gauge", help).Sample(name, value);

    /// <summary>Prometheus spells the special values +Inf, -Inf and NaN.</summary>
    public static string Format(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <inheritdoc />
    public override string ToString() => _text.ToString();
}
