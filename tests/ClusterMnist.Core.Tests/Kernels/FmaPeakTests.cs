using System.Runtime.Intrinsics;
using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Core.Tests.Kernels;

// Speed itself is shown by the benchmarks' `measure` report, never asserted here.
public class FmaPeakTests
{
    [Fact]
    public void FmaPeak_ReportsAFiniteRateAndTheWidestInstructionSet()
    {
        var peak = FmaPeak.Measure(TimeSpan.FromMilliseconds(20));

        Assert.True(double.IsFinite(peak.GigaflopsPerSecond) && peak.GigaflopsPerSecond > 0, $"peak {peak.GigaflopsPerSecond}");
        string expected = GemmPaths.Default switch
        {
            GemmPath.Vector512 => "AVX-512F",
            GemmPath.Vector256 => "AVX2+FMA",
            GemmPath.Vector128 => "Vector128",
            _ => "scalar",
        };
        Assert.Equal(expected, peak.InstructionSet);
        if (Vector512.IsHardwareAccelerated)
        {
            Assert.Equal("AVX-512F", peak.InstructionSet);
        }
    }

    [Theory]
    [InlineData(GemmForm.Forward, 32, 10, 128)]
    [InlineData(GemmForm.BackwardInput, 7, 13, 5)]
    [InlineData(GemmForm.BackwardWeights, 10, 128, 32)]
    public void GemmThroughput_ReportsAFiniteRate_ForEachForm(GemmForm form, int m, int n, int k)
    {
        double gflops = GemmThroughput.MeasureGigaflops(form, m, n, k, TimeSpan.FromMilliseconds(10));

        Assert.True(double.IsFinite(gflops) && gflops > 0, $"{form}: {gflops}");
    }

    [Fact]
    public void GemmThroughput_Throws_WhenAShapeIsEmpty()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GemmThroughput.MeasureGigaflops(GemmForm.Forward, 0, 1, 1, TimeSpan.FromMilliseconds(1)));
    }
}
