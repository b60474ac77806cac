using System.Diagnostics;
using System.Text;
using ClusterMnist.Core.Imaging;
using ClusterMnist.Tests.Shared.Fuzzing;
using Xunit.Abstractions;

namespace ClusterMnist.Core.Tests.Imaging;

/// <summary>
/// A bounded mutation test of the image readers: a few hundred damaged files from a fixed seed, in every format the
/// readers take. Each must decode to a digit or be refused with an <see cref="ImageFormatException"/> naming it:
/// no other exception, and no hang.
/// </summary>
public sealed class ImageReaderFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20261203;
    private const int CasesPerFile = 25;

    // A small pixel budget makes every decode small by construction, so the hang bound below has a margin of
    // hundreds of times what a decode takes even on a loaded machine; the budget itself is tested elsewhere.
    private const long MaxPixels = 256 * 256;

    [Fact]
    public void Decode_RefusesOrReadsEveryMutatedFile_WithoutOtherExceptionsOrHangs()
    {
        var mutator = new ByteMutator(Seed);
        int read = 0, refused = 0, tooLarge = 0, cases = 0;
        TimeSpan slowest = TimeSpan.Zero;
        foreach (var (name, file) in Files())
        {
            for (int i = 0; i < CasesPerFile; i++, cases++)
            {
                byte[] mutated = mutator.Mutate(file);
                var clock = Stopwatch.StartNew();
                try
                {
                    Assert.Equal(784, DigitImage.Decode(mutated, $"case {cases}", MaxPixels).Length);
                    read++;
                }
                catch (ImageTooLargeException)
                {
                    tooLarge++;
                }
                catch (ImageFormatException e)
                {
                    Assert.StartsWith($"case {cases}: ", e.Message, StringComparison.Ordinal);
                    refused++;
                }
                catch (Exception e)
                {
                    Assert.Fail($"case {cases} (a mutated {name}, seed {Seed}) threw {e.GetType().Name}: {e.Message}");
                }

                slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"case {cases} (a mutated {name}) took {clock.Elapsed.TotalSeconds:F1} s");
            }
        }

        output.WriteLine($"{cases} cases: {read} read, {refused} refused, {tooLarge} over the budget; slowest {slowest.TotalMilliseconds:F0} ms");
        Assert.True(refused > cases / 10 && read > cases / 10, "the mutations should both break and spare files");
    }

    private static IEnumerable<(string Name, byte[] File)> Files()
    {
        byte[] digit = TestDigits.One();
        foreach (string format in DigitImageTests.FormatNames)
        {
            yield return (format, TestImages.Grey(digit, 28, 28, DigitImageTests.Encoder(format)));
        }

        yield return ("csv", Encoding.ASCII.GetBytes("label," + string.Join(',', Enumerable.Range(0, 784).Select(i => $"p{i}")) + "\n7," + string.Join(',', digit)));
    }
}
