using System.Globalization;
using System.Text;

namespace ClusterMnist.Core.Imaging;

/// <summary>
/// Reads one digit written as a CSV row: 784 pixel values (0–255), or 785 with a leading label, which is ignored.
/// A header row is skipped; more than one data row is refused, as it would be unclear which digit was meant.
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
        var luminance = new float[Pixels];
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

            luminance[i] = (float)(value / 255.0);
        }

        return new Raster(DigitNormalizer.Side, DigitNormalizer.Side, luminance, null);
    }
}
