using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace ClusterMnist.Server.Prediction;

/// <summary>
/// Reads <c>{"pixels": [...]}</c> (one image) or <c>{"images": [[...], ...]}</c> (a batch) straight from the request's
/// bytes into a pooled float buffer, scaled to [0,1]: an image with any value above 1 is taken as 0–255. Every
/// problem comes back as a message naming the offending element, never as an exception.
/// </summary>
internal static class PixelJsonReader
{
    private const string Shape = "expected {\"pixels\": [n numbers]} or {\"images\": [[n numbers], ...]}";

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Parses <paramref name="json"/>; on success returns null and leaves <paramref name="images"/> rows of
    /// <paramref name="inputSize"/> floats in <paramref name="inputs"/> (which may be replaced by a larger pooled array).
    /// </summary>
    public static string? Read(
        ReadOnlySequence<byte> json, int inputSize, int maxImages, ref float[] inputs, out int images, out bool batch)
    {
        images = 0;
        batch = false;
        // A UTF-8 byte order mark, as some Windows tools write before JSON, is not part of the document.
        Span<byte> head = stackalloc byte[3];
        if (json.Length >= head.Length)
        {
            json.Slice(0, head.Length).CopyTo(head);
            if (head.SequenceEqual(Utf8Bom))
            {
                json = json.Slice(head.Length);
            }
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return $"the body must be a JSON object: {Shape}.";
            }

            bool seen = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (InvalidName(ref reader) is { } invalid)
                {
                    return invalid;
                }

                if (reader.ValueTextEquals("pixels"u8) || reader.ValueTextEquals("images"u8))
                {
                    if (seen)
                    {
                        return $"give either \"pixels\" or \"images\", once: {Shape}.";
                    }

                    seen = true;
                    batch = reader.ValueTextEquals("images"u8);
                    reader.Read();
                    string? error = batch
                        ? ReadBatch(ref reader, inputSize, maxImages, ref inputs, out images)
                        : ReadImage(ref reader, inputSize, ref inputs, 0, "pixels");
                    if (error is not null)
                    {
                        return error;
                    }

                    images = batch ? images : 1;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            // Reading past the closing brace makes the reader reject trailing content.
            while (reader.Read())
            {
            }

            return seen ? null : $"no \"pixels\" or \"images\" property: {Shape}.";
        }
        catch (JsonException e)
        {
            return $"malformed JSON: {e.Message}";
        }
    }

    /// <summary>
    /// A property name's escapes must decode to valid UTF-16: the reader accepts <c>"\ud800"</c> while tokenising and
    /// throws only when the name is compared or read, so every escaped name is decoded here, ignored ones included.
    /// </summary>
    private static string? InvalidName(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return null;
        }

        try
        {
            reader.GetString();
            return null;
        }
        catch (InvalidOperationException e)
        {
            return $"malformed JSON: a property name is not valid text ({e.Message})";
        }
    }

    private static string? ReadBatch(ref Utf8JsonReader reader, int inputSize, int maxImages, ref float[] inputs, out int images)
    {
        images = 0;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return $"\"images\" must be an array of images, got {Describe(reader.TokenType)}.";
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (images == maxImages)
            {
                return $"too many images: at most {maxImages} per request.";
            }

            string? error = ReadImage(ref reader, inputSize, ref inputs, images, $"images[{images}]");
            if (error is not null)
            {
                return error;
            }

            images++;
        }

        return images == 0 ? "\"images\" is empty: send at least one image." : null;
    }

    private static string? ReadImage(ref Utf8JsonReader reader, int inputSize, ref float[] inputs, int index, string path)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return $"{path} must be an array of {inputSize} numbers, got {Describe(reader.TokenType)}.";
        }

        EnsureCapacity(ref inputs, (index + 1) * inputSize);
        var row = inputs.AsSpan(index * inputSize, inputSize);
        int count = 0;
        double max = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number)
            {
                return $"{path}[{count}] must be a number, got {Describe(reader.TokenType)}.";
            }

            if (count == inputSize)
            {
                return $"{path} has more than {inputSize} values; the model takes {inputSize}.";
            }

            if (!reader.TryGetDouble(out double value) || !double.IsFinite(value) || value < 0 || value > 255)
            {
                return $"{path}[{count}] = {NumberText(ref reader)} is out of range: pixel values are 0–255 (or 0–1).";
            }

            row[count++] = (float)value;
            max = Math.Max(max, value);
        }

        if (count != inputSize)
        {
            return $"{path} has {count.ToString(CultureInfo.InvariantCulture)} values; the model takes {inputSize}.";
        }

        if (max > 1)
        {
            foreach (ref float v in row)
            {
                v /= 255f;
            }
        }

        return null;
    }

    private static void EnsureCapacity(ref float[] buffer, int needed)
    {
        if (buffer.Length >= needed)
        {
            return;
        }

        var larger = ArrayPool<float>.Shared.Rent(Math.Max(needed, 2 * buffer.Length));
        buffer.AsSpan().CopyTo(larger);
        ArrayPool<float>.Shared.Return(buffer);
        buffer = larger;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Null => "null",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.StartArray => "a nested array",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.Number => "a number",
        _ => "nothing",
    };

    // The number as the client wrote it, for the error: at most 32 characters of it (a number can be megabytes long).
    private static string NumberText(ref Utf8JsonReader reader)
    {
        const int Shown = 32;
        long length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        int shown = (int)Math.Min(length, Shown);
        byte[] bytes = reader.HasValueSequence ? reader.ValueSequence.Slice(0, shown).ToArray() : reader.ValueSpan[..shown].ToArray();
        // A number's characters are ASCII, so the cut never splits one.
        string text = System.Text.Encoding.UTF8.GetString(bytes);
        return length > Shown ? $"{text}… ({length.ToString(CultureInfo.InvariantCulture)} characters)" : text;
    }
}
