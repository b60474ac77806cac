using System.Text;
using System.Text.Unicode;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>The payload of a <see cref="DataFrameKind.Goodbye"/> frame: the reason, UTF-8, at most <see cref="MaxBytes"/>.</summary>
internal static class GoodbyeFrame
{
    /// <summary>The longest reason a coordinator reads; a longer frame closes the stream.</summary>
    public const int MaxBytes = 1024;

    /// <summary>The reason's bytes; a longer reason is cut after the last whole character that fits.</summary>
    public static byte[] Encode(string reason)
    {
        // Not the final block: the encoder stops before a character (a surrogate pair included) that does not fit
        // whole, so the cut never leaves half a character behind.
        Span<byte> bytes = stackalloc byte[MaxBytes];
        Utf8.FromUtf16(reason, bytes, out _, out int written, replaceInvalidSequences: true, isFinalBlock: false);
        return bytes[..written].ToArray();
    }

    public static string Decode(ReadOnlySpan<byte> payload) => Encoding.UTF8.GetString(payload);
}
