using System.Globalization;
using System.Text;

namespace ClusterMnist.Core.Data;

/// <summary>
/// Reads MNIST as CSV, one image per line: the label (0–9), then the pixels (0–255) row-major. A header row
/// (such as Kaggle's <c>label,1x1,1x2,…</c>) is recognised by a non-numeric first field and skipped. The file may
/// be gzipped.
/// </summary>
public static class CsvReader
{
    /// <summary>Reads <paramref name="path"/> as images of <paramref name="rows"/> × <paramref name="columns"/>.</summary>
    /// <exception cref="DataFormatException">
    /// Missing file, a line with the wrong number of fields, a non-numeric field (line and column named), a pixel
    /// outside 0–255, a label outside 0–9, or no images at all.
    /// </exception>
    public static ImageSet Read(string path, int rows = 28, int columns = 28)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        int pixelsPerImage = rows * columns;
        int fields = pixelsPerImage + 1;
        var pixels = new List<byte>(capacity: 1 << 20);
        var labels = new List<byte>();

        using Stream stream = DataFile.Open(path);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        int lineNumber = 0;
        var values = new byte[pixelsPerImage];
        while (ReadLine(reader, path) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (lineNumber == 1 && IsHeader(line))
            {
                continue;
            }

            byte label = ParseLine(path, line, lineNumber, fields, values);
            labels.Add(label);
            pixels.AddRange(values);
        }

        if (labels.Count == 0)
        {
            throw new DataFormatException(path, "holds no images (the file is empty or has only a header row).");
        }

        return new ImageSet([.. pixels], [.. labels], rows, columns, path);
    }

    private static string? ReadLine(StreamReader reader, string path)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, $"corrupt gzip data ({e.Message}).", e);
        }
        catch (IOException e)
        {
            throw new DataFormatException(path, $"cannot read the file ({e.Message}).", e);
        }
    }

    private static bool IsHeader(string line)
    {
        ReadOnlySpan<char> first = Unquote(line.AsSpan(0, IndexOfComma(line.AsSpan())));
        return !int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
    }

    private static byte ParseLine(string path, string line, int lineNumber, int fields, byte[] pixels)
    {
        ReadOnlySpan<char> rest = line.AsSpan();
        int column = 0;
        byte label = 0;
        while (true)
        {
            column++;
            int comma = IndexOfComma(rest);
            ReadOnlySpan<char> field = Unquote(rest[..comma]);
            if (column <= fields)
            {
                int value = ParseField(path, field, lineNumber, column);
                if (column == 1)
                {
                    if (value is < 0 or > IdxReader.ClassCount - 1)
                    {
                        throw new DataFormatException(path, $"line {lineNumber}, column 1: label {value} is outside 0–9.");
                    }

                    label = (byte)value;
                }
                else
                {
                    if (value is < 0 or > 255)
                    {
                        throw new DataFormatException(
                            path, $"line {lineNumber}, column {column}: pixel value {value} is outside 0–255.");
                    }

                    pixels[column - 2] = (byte)value;
                }
            }

            if (comma == rest.Length)
            {
                break;
            }

            rest = rest[(comma + 1)..];
        }

        if (column != fields)
        {
            throw new DataFormatException(
                path,
                $"line {lineNumber} has {column} fields; expected {fields} (a label, then {fields - 1} pixels).");
        }

        return label;
    }

    private static int ParseField(string path, ReadOnlySpan<char> field, int lineNumber, int column)
    {
        if (int.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            return value;
        }

        // "12.0" style exports are accepted when the value is a whole number; anything else is an error.
        if (double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double real)
            && real == Math.Floor(real) && Math.Abs(real) < int.MaxValue)
        {
            return (int)real;
        }

        string shown = field.Length > 20 ? string.Concat(field[..20], "…") : field.ToString();
        throw new DataFormatException(path, $"line {lineNumber}, column {column}: '{shown}' is not a number.");
    }

    private static int IndexOfComma(ReadOnlySpan<char> text)
    {
        int comma = text.IndexOf(',');
        return comma < 0 ? text.Length : comma;
    }

    private static ReadOnlySpan<char> Unquote(ReadOnlySpan<char> field)
    {
        field = field.Trim();
        return field.Length >= 2 && field[0] == '"' && field[^1] == '"' ? field[1..^1].Trim() : field;
    }
}
