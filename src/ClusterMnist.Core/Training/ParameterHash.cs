using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ClusterMnist.Core.Training;

/// <summary>A fingerprint of a parameter vector, used to prove two runs ended with identical bits.</summary>
public static class ParameterHash
{
    /// <summary>Lowercase hex SHA-256 of the little-endian float32 bytes of <paramref name="parameters"/>.</summary>
    public static string Sha256(ReadOnlySpan<float> parameters)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        if (BitConverter.IsLittleEndian)
        {
            SHA256.HashData(MemoryMarshal.AsBytes(parameters), hash);
        }
        else
        {
            var bytes = new byte[parameters.Length * sizeof(float)];
            for (int i = 0; i < parameters.Length; i++)
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), parameters[i]);
            SHA256.HashData(bytes, hash);
        }
        return Convert.ToHexStringLower(hash);
    }
}
