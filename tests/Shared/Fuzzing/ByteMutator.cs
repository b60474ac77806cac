using System.Buffers.Binary;
using System.Text;

namespace ClusterMnist.Tests.Shared.Fuzzing;

/// <summary>
/// Deterministic mutations of valid inputs for the fuzz tests: bit flips, boundary bytes and integers (the sizes and
/// counts in headers), inserted, deleted and repeated runs, truncation, and JSON-ish tokens. The same seed gives the
/// same cases on every run, so a failure names a case that can be replayed. A seeded generator rather than FsCheck:
/// mutating real files needs no generators or shrinking, and the case number is all a failure has to report.
/// </summary>
internal sealed class ByteMutator(int seed)
{
    private static readonly byte[] Bytes = [0x00, 0x01, 0x7F, 0x80, 0xFF, (byte)'"', (byte)'\\', (byte)'{', (byte)'[', (byte)',', (byte)'\n'];

    private static readonly uint[] Integers = [0, 1, 0x7F, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 40_000_000, 65_536];

    private static readonly string[] Tokens =
    [
        "1e400", "-1", "NaN", "\"\\ud800\"", "\"\\udfff\"", "[]", "{}", "null", "true", "[[[[[[[[", "]]]]", "\"pixels\":",
        "\"images\":", "99999999999999999999", "0.5", ",", ":", "\"", "\\u0000",
    ];

    private readonly Random _random = new(seed);

    /// <summary>One to four mutations of a copy of <paramref name="input"/>.</summary>
    public byte[] Mutate(byte[] input)
    {
        var bytes = new List<byte>(input);
        int edits = 1 + _random.Next(4);
        for (int e = 0; e < edits; e++)
        {
            int at = bytes.Count == 0 ? 0 : _random.Next(bytes.Count);
            switch (_random.Next(8))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << _random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = Bytes[_random.Next(Bytes.Length)];
                    break;
                case 2:
                    var noise = new byte[1 + _random.Next(8)];
                    _random.NextBytes(noise);
                    bytes.InsertRange(at, noise);
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + _random.Next(16)));
                    break;
                case 4 when bytes.Count > 0:
                    bytes.InsertRange(at, bytes.GetRange(at, Math.Min(bytes.Count - at, 1 + _random.Next(64))));
                    break;
                case 5 when bytes.Count > 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 6 when bytes.Count >= 4:
                    var word = new byte[4];
                    BinaryPrimitives.WriteUInt32BigEndian(word, Integers[_random.Next(Integers.Length)]);
                    at = Math.Min(at, bytes.Count - 4);
                    for (int i = 0; i < 4; i++)
                    {
                        bytes[at + i] = word[i];
                    }

                    break;
                default:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[_random.Next(Tokens.Length)]));
                    break;
            }
        }

        return [.. bytes];
    }
}
