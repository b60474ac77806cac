using System.Globalization;

namespace ClusterMnist.Cli.Configuration;

/// <summary>What values a setting takes; parses and checks one text value, or says what was expected.</summary>
internal abstract record SettingKind
{
    /// <summary>How the README and error messages describe the expected values.</summary>
    public abstract string Expected { get; }

    /// <summary>True when <paramref name="text"/> is a valid value.</summary>
    public abstract bool IsValid(string text);

    public static SettingKind Integer(long min, long max = long.MaxValue) => new IntegerKind(min, max);

    public static SettingKind Number(double min, double max = double.MaxValue) => new NumberKind(min, max);

    public static SettingKind Text { get; } = new TextKind();

    public static SettingKind Flag { get; } = new FlagKind();

    public static SettingKind HttpUrl { get; } = new UrlKind();

    public static SettingKind OneOf(params string[] values) => new ChoiceKind(values);

    private sealed record IntegerKind(long Min, long Max) : SettingKind
    {
        public override string Expected => Max == long.MaxValue ? $"an integer ≥ {Min}" : $"an integer from {Min} to {Max}";

        public override bool IsValid(string text) =>
            long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && value >= Min && value <= Max;
    }

    private sealed record NumberKind(double Min, double Max) : SettingKind
    {
        public override string Expected => Max == double.MaxValue
            ? $"a number ≥ {Min.ToString(CultureInfo.InvariantCulture)}"
            : $"a number from {Min.ToString(CultureInfo.InvariantCulture)} to {Max.ToString(CultureInfo.InvariantCulture)}";

        public override bool IsValid(string text) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            && double.IsFinite(value) && value >= Min && value <= Max;
    }

    private sealed record TextKind : SettingKind
    {
        public override string Expected => "text";

        public override bool IsValid(string text) => true;
    }

    private sealed record FlagKind : SettingKind
    {
        public override string Expected => "true or false";

        public override bool IsValid(string text) => bool.TryParse(text, out _);
    }

    private sealed record UrlKind : SettingKind
    {
        public override string Expected => "an http:// or https:// URL";

        public override bool IsValid(string text) =>
            Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
    }

    private sealed record ChoiceKind(string[] Values) : SettingKind
    {
        public override string Expected => "one of " + string.Join(", ", Values);

        public override bool IsValid(string text) => Values.Contains(text, StringComparer.Ordinal);
    }
}
