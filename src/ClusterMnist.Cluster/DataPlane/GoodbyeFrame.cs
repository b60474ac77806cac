using System.Text;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>The payload of a <see cref="DataFrameKind.Goodbye"/> frame: the reason, UTF-8, at most <see cref="MaxBytes"/>.</summary>
internal static class GoodbyeFrame
{
    /// <summary>The longest reason a coordinator reads; a longer frame closes the stream.</summary>
    public const int MaxBytes = 1024;

    /// <summary>The reason's bytes, cut (at a character) to fit.</summary>
    public static byte[] Encode(string reason)
    {
        while (Encoding.UTF8.GetByteCount(reason) > MaxBytes)
            reason = reason[..(reason.Length * 3 / 4)];
        return Encoding.UTF8.GetBytes(reason);
    }

    public static string Decode(ReadOnlySpan<byte> payload) => Encoding.UTF8.GetString(payload);
}
