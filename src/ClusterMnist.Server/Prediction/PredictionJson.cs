using System.Buffers;
using System.Text.Json;
using ClusterMnist.Server.Snapshots;

namespace ClusterMnist.Server.Prediction;

/// <summary>
/// Writes <c>{"digit", "probabilities", "modelVersion", "step"}</c> (a list of them for a batch) with a per-thread
/// <see cref="Utf8JsonWriter"/>, straight into the response's buffer.
/// </summary>
internal static class PredictionJson
{
    private static readonly ArrayBufferWriter<byte> Detached = new(1);

    [ThreadStatic]
    private static Utf8JsonWriter? _threadWriter;

    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<float> probabilities, int rows, bool batch, ParameterSnapshot snapshot)
    {
        var writer = _threadWriter;
        if (writer is null)
        {
            writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
            _threadWriter = writer;
        }
        else
        {
            writer.Reset(output);
        }

        int classes = snapshot.Spec.OutputSize;
        if (batch)
        {
            writer.WriteStartArray();
        }

        for (int r = 0; r < rows; r++)
        {
            var row = probabilities.Slice(r * classes, classes);
            writer.WriteStartObject();
            writer.WriteNumber("digit"u8, ArgMax(row));
            writer.WriteStartArray("probabilities"u8);
            foreach (float p in row)
            {
                writer.WriteNumberValue(p);
            }

            writer.WriteEndArray();
            writer.WriteNumber("modelVersion"u8, snapshot.Version);
            writer.WriteNumber("step"u8, snapshot.Step);
            writer.WriteEndObject();
        }

        if (batch)
        {
            writer.WriteEndArray();
        }

        writer.Flush();
        // Let go of the response's writer so a finished request is not kept reachable from this thread.
        writer.Reset(Detached);
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++)
        {
            if (row[i] > row[best])
            {
                best = i;
            }
        }

        return best;
    }
}
