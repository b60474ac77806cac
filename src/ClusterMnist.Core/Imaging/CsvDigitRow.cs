using System.Globalization;
using System.Text;

namespace ClusterMnist.Core.Imaging;

/// <summary>
/// Reads one digit written as a CSV row: 784 pixel values, or 785 with a leading label (a digit 0–9, ignored).
/// Values are on the 0–255 scale, or on the 0–1 scale of normalized pixels: a row whose values all lie in 0–1 with at
/// least one fraction (a 0–255 row like that would be blank anyway). A header row is skipped; more than one data row
/// is refused, as it would be unclear which digit was meant.
/// </summary>
internal static class CsvDigitRow
{
    private const int Pixels = DigitNormalizer.Side * DigitNormalizer.Side;

    /// <summary>Decodes <paramref name="data"/>; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="ImageFormatException">Wrong field count, non-numeric field, value out of range, or several rows.</exception>
    public static Raster Decode(ReadOnlySpan<byte> data, string source)
    {
        string text = Encoding.UTF8.GetString(data).TrimStart('\uFEFF');
        string[] lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var rows = new List<(string Line, int Number)>();
        for (int i = 0; i < lines.Length; i++)
        {
            string first = lines[i].Split(',', 2)[0].Trim().Trim('"');
            bool numeric = double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
            if (!(i == 0 && !numeric))
            {
                rows.Add((lines[i], i + 1));
            }
        }

        if (rows.Count != 1)
        {
            throw new ImageFormatException(
                source, rows.Count == 0 ? "the CSV holds no row of pixels." : $"the CSV holds {rows.Count} rows; give one digit per file.");
        }

        var (line, number) = rows[0];
        string[] fields = line.Split(',');
        if (fields.Length != Pixels && fields.Length != Pixels + 1)
        {
            throw new ImageFormatException(
                source, $"line {number} has {fields.Length} values; expected {Pixels} pixels, or {Pixels + 1} with a leading label.");
        }

        int skip = fields.Length - Pixels;
        if (skip == 1)
        {
            string label = fields[0].Trim().Trim('"');
            if (!int.TryParse(label, NumberStyles.None, CultureInfo.InvariantCulture, out int digit) || digit > 9)
            {
                throw new ImageFormatException(source, $"line {number}, column 1: the leading label '{label}' is not a digit 0–9.");
            }
        }

        var values = new double[Pixels];
        for (int i = 0; i < Pixels; i++)
        {
            string field = fields[i + skip].Trim().Trim('"');
            if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                throw new ImageFormatException(source, $"line {number}, column {i + skip + 1}: '{field}' is not a number.");
            }

            if (value is < 0 or > 255 || double.IsNaN(value))
            {
                throw new ImageFormatException(source, $"line {number}, column {i + skip + 1}: pixel value {field} is outside 0–255.");
            }

            values[i] = value;
        }

        bool unitScale = values.All(v => v <= 1) && values.Any(v => v != Math.Floor(v));
        double scale = unitScale ? 1.0 : 255.0;
        var luminance = new float[Pixels];
        for (int i = 0; i < Pixels; i++)
        {
            luminance[i] = (float)(values[i] / scale);
        }

        return new Raster(DigitNormalizer.Side, DigitNormalizer.Side, luminance, null);
    }
}
