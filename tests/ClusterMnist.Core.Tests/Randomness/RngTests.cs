using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Tests.Randomness;

public class RngTests
{
    [Fact]
    public void Rng_ProducesSameSequence_ForSameSeed()
    {
        var a = new Rng(42);
        var b = new Rng(42);
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(a.NextUInt64(), b.NextUInt64());
        }
    }

    [Fact]
    public void Rng_ProducesDifferentSequences_ForDifferentSeeds()
    {
        var a = new Rng(1);
        var b = new Rng(2);
        var same = 0;
        for (var i = 0; i < 100; i++)
        {
            same += a.NextUInt64() == b.NextUInt64() ? 1 : 0;
        }

        Assert.Equal(0, same);
    }

    [Fact]
    public void Rng_MatchesXoshiroReference_ForKnownState()
    {
        // Reference outputs of xoshiro256** from Vigna's C code with state {1, 2, 3, 4}.
        var rng = Rng.FromState(new RngState(1, 2, 3, 4));
        Assert.Equal(11520UL, rng.NextUInt64());
        Assert.Equal(0UL, rng.NextUInt64());
        Assert.Equal(1509978240UL, rng.NextUInt64());
        Assert.Equal(1215971899390074240UL, rng.NextUInt64());
    }

    [Fact]
    public void Rng_ContinuesIdentically_AfterStateRoundTrip()
    {
        var rng = new Rng(7);
        for (var i = 0; i < 17; i++)
        {
            rng.NextUInt64();
        }

        var restored = Rng.FromState(rng.State);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(rng.NextUInt64(), restored.NextUInt64());
        }
    }

    [Fact]
    public void FromState_Throws_WhenStateIsAllZero()
    {
        Assert.Throws<ArgumentException>(() => Rng.FromState(default));
    }

    [Fact]
    public void ForStream_GivesDistinctSequences_ForNeighbouringStreams()
    {
        var firsts = new HashSet<ulong>();
        for (ulong stream = 0; stream < 50; stream++)
        {
            for (ulong sub = 0; sub < 50; sub++)
            {
                var rng = Rng.ForStream(123, stream, sub);
                Assert.True(firsts.Add(rng.NextUInt64()), $"stream ({stream}, {sub}) repeated an output");
            }
        }

        // Swapping stream and substream must not give the same generator.
        Assert.NotEqual(Rng.ForStream(5, 1, 2).NextUInt64(), Rng.ForStream(5, 2, 1).NextUInt64());
        Assert.Equal(Rng.ForStream(5, 1, 2).NextUInt64(), Rng.ForStream(5, 1, 2).NextUInt64());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(1000)]
    [InlineData(int.MaxValue)]
    public void NextInt_StaysInRange(int max)
    {
        var rng = new Rng(99);
        for (var i = 0; i < 10_000; i++)
        {
            var value = rng.NextInt(max);
            Assert.InRange(value, 0, max - 1);
        }
    }

    [Fact]
    public void NextInt_IsRoughlyUniform_ForSmallRange()
    {
        var rng = new Rng(3);
        var counts = new int[10];
        const int draws = 100_000;
        for (var i = 0; i < draws; i++)
        {
            counts[rng.NextInt(10)]++;
        }

        // Expected 10,000 each, standard deviation about 95; 600 is over six sigma.
        Assert.All(counts, c => Assert.InRange(c, 9_400, 10_600));
    }

    [Fact]
    public void NextInt_Throws_WhenMaxIsNotPositive()
    {
        var rng = new Rng(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(0));
    }

    [Fact]
    public void NextFloat_IsInUnitInterval_AndAveragesOneHalf()
    {
        var rng = new Rng(11);
        double sum = 0;
        const int draws = 100_000;
        for (var i = 0; i < draws; i++)
        {
            var x = rng.NextFloat();
            Assert.InRange(x, 0f, 0.99999994f);
            sum += x;
        }

        Assert.InRange(sum / draws, 0.495, 0.505);
    }

    [Fact]
    public void NextGaussian_HasZeroMeanAndUnitVariance()
    {
        var rng = new Rng(5);
        double sum = 0, sumSq = 0;
        const int draws = 100_000;
        for (var i = 0; i < draws; i++)
        {
            var x = rng.NextGaussian();
            Assert.True(double.IsFinite(x));
            sum += x;
            sumSq += x * x;
        }

        var mean = sum / draws;
        Assert.InRange(mean, -0.02, 0.02);
        Assert.InRange((sumSq / draws) - (mean * mean), 0.97, 1.03);
    }

    [Fact]
    public void Shuffle_ProducesPermutation_AndIsDeterministic()
    {
        var a = Enumerable.Range(0, 1000).ToArray();
        var b = Enumerable.Range(0, 1000).ToArray();
        var rngA = new Rng(8);
        var rngB = new Rng(8);
        rngA.Shuffle(a);
        rngB.Shuffle(b);

        Assert.Equal(a, b);
        Assert.NotEqual(Enumerable.Range(0, 1000), a);
        Assert.Equal(Enumerable.Range(0, 1000), a.Order());
    }
}
