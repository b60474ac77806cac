using System.Globalization;
using System.Text;

namespace ClusterMnist.Cluster.Security;

/// <summary>
/// A rough upper bound on the entropy of a password a user chose: its length times log2 of the size of the character
/// classes it uses (lower case 26, upper case 26, digits 10, anything else 33). It cannot see that "Password1!" is a
/// dictionary word, but it refuses what is short or drawn from a small alphabet. Secrets we make ourselves come from
/// a random generator with at least <see cref="RequiredBits"/> bits and need no estimate.
/// </summary>
public static class SecretStrength
{
    /// <summary>The least estimated entropy a user's password may have.</summary>
    public const int RequiredBits = 128;

    /// <summary>The command that makes a strong secret (256 random bits as 64 hex digits).</summary>
    public const string GenerateHint = "openssl rand -hex 32";

    /// <summary>Length (in Unicode scalar values) × log2(alphabet of the classes present), in bits; 0 when empty.</summary>
    public static double EstimateBits(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        bool lower = false, upper = false, digit = false, other = false;
        int length = 0;
        foreach (Rune rune in secret.EnumerateRunes())
        {
            length++;
            lower |= rune.Value is >= 'a' and <= 'z';
            upper |= rune.Value is >= 'A' and <= 'Z';
            digit |= rune.Value is >= '0' and <= '9';

            // Punctuation, spaces and every non-ASCII character: counting them all as one small class undervalues
            // exotic alphabets, which is the safe direction for a refusal.
            other |= !Rune.IsLetterOrDigit(rune) || rune.Value > 0x7F;
        }

        int alphabet = (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) + (other ? 33 : 0);
        return alphabet == 0 ? 0 : length * Math.Log2(alphabet);
    }

    /// <summary>
    /// Null when <paramref name="secret"/> is estimated at <see cref="RequiredBits"/> bits or more; otherwise the
    /// reason to refuse it, naming <paramref name="source"/> (e.g. the environment variable) and the estimate.
    /// </summary>
    public static string? Refusal(string secret, string source)
    {
        double bits = EstimateBits(secret);
        return bits >= RequiredBits ? null : string.Create(CultureInfo.InvariantCulture,
            $"{source} is too weak: about {Math.Floor(bits):F0} bits estimated (length × log2 of its alphabet), fewer than the {RequiredBits} required; "
            + $"make one with '{GenerateHint}'.");
    }
}
