using System.Runtime.InteropServices;
using ClusterMnist.Cluster.DataPlane;

namespace ClusterMnist.Cluster.Tests;

/// <summary>The shared memory files: the parameter file's versioned slots and the sums file's slot bookkeeping.</summary>
public sealed class SharedMemoryTests
{
    private const int Count = 1000;

    [Fact]
    public void Parameters_AreReadFromAnotherMapping_OnlyAsTheVersionAsked()
    {
        using var writer = SharedParameters.Create(Count);
        using var reader = SharedParameters.Open(writer.Path, writer.NonceHex, Count, out var problem);
        Assert.True(reader is not null, problem);
        var into = new float[Count];

        Assert.False(reader.TryRead(0, into));
        writer.Publish(4, Values(4));
        writer.Publish(5, Values(5));
        Assert.True(reader.TryRead(4, into));
        Assert.Equal(Values(4), into);
        Assert.True(reader.TryRead(5, into));
        Assert.Equal(Values(5), into);

        // Version 6 takes version 4's slot: a worker still asking for 4 is told it is gone, not given 6.
        writer.Publish(6, Values(6));
        Assert.False(reader.TryRead(4, into));
        Assert.Equal(Values(5), into);
        Assert.True(reader.TryRead(6, into));
        Assert.Equal(Values(6), into);
    }

    [Fact]
    public void AWorkersMapping_IsReadOnly_AndClosingItLeavesTheFileForTheNextWorker()
    {
        using var writer = SharedParameters.Create(Count);
        writer.Publish(3, Values(3));
        var first = SharedParameters.Open(writer.Path, writer.NonceHex, Count, out var problem);
        Assert.True(first is not null, problem);
        Assert.Throws<InvalidOperationException>(() => first.Publish(4, Values(4)));
        first.Dispose();

        Assert.True(File.Exists(writer.Path));
        using var second = SharedParameters.Open(writer.Path, writer.NonceHex, Count, out problem);
        Assert.True(second is not null, problem);
        var into = new float[Count];
        Assert.True(second.TryRead(3, into));
        Assert.Equal(Values(3), into);
    }

    [Fact]
    public void Parameters_RefuseAFileThatIsNotTheOneOffered()
    {
        using var writer = SharedParameters.Create(Count);
        string otherNonce = new('0', writer.NonceHex.Length);

        Assert.Null(SharedParameters.Open(writer.Path, otherNonce, Count, out var problem));
        Assert.Contains("nonce", problem, StringComparison.Ordinal);
        Assert.Null(SharedParameters.Open(writer.Path, writer.NonceHex, Count + 1, out problem));
        Assert.Contains("elements", problem, StringComparison.Ordinal);
        Assert.Null(SharedParameters.Open(writer.Path, writer.NonceHex, 2 * Count, out problem));
        Assert.Contains("bytes", problem, StringComparison.Ordinal);
        Assert.Null(SharedParameters.Open(writer.Path + ".missing", writer.NonceHex, Count, out problem));
        Assert.Contains("does not exist", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_AreRemoved_WhenDisposed_AndStaleOnesOfDeadProcessesAtTheNextCreate()
    {
        string stale = Path.Combine(SharedMemoryFile.Directory, $"{SharedParameters.FilePrefix}{int.MaxValue}-{Guid.NewGuid():N}.params");
        File.WriteAllBytes(stale, new byte[64]);
        string path;
        using (var parameters = SharedParameters.Create(Count))
        {
            path = parameters.Path;
            Assert.True(File.Exists(path));
            Assert.False(File.Exists(stale));
        }
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Sums_WrittenByTheWorker_AreReadByTheCoordinator_AndSlotsComeBackWhenReleased()
    {
        using var coordinatorSide = SharedSums.Create(Count);
        using var workerSide = SharedSums.Open(coordinatorSide.Path, coordinatorSide.NonceHex, Count, out var problem);
        Assert.True(workerSide is not null, problem);

        int first = coordinatorSide.Rent();
        int second = coordinatorSide.Rent();
        Assert.Equal([0, 1], [first, second]);
        Assert.Equal(-1, coordinatorSide.Rent());

        var values = Enumerable.Range(0, Count).Select(i => (i * 7919) - 3_000_000).ToArray();
        values.CopyTo(workerSide.Writable(second));
        var sums = coordinatorSide.Filled(second);
        Assert.Equal(values, MemoryMarshal.Cast<byte, int>(sums.Span).ToArray());

        SharedSums.ReleaseIfSlot(sums);
        Assert.Equal(second, coordinatorSide.Rent());
        // Memory that is not a slot is left alone.
        SharedSums.ReleaseIfSlot(new byte[8]);
        Assert.Equal(-1, coordinatorSide.Rent());
    }

    [Fact]
    public void Sums_OfARetiredWorker_StayReadable_UntilTheLastSlotIsReleased()
    {
        var coordinatorSide = SharedSums.Create(Count);
        coordinatorSide.Unlink();
        int slot = coordinatorSide.Rent();
        var sums = coordinatorSide.Filled(slot);
        MemoryMarshal.Cast<byte, int>(MemoryMarshal.AsMemory(sums).Span).Fill(42);

        coordinatorSide.Retire();
        Assert.Equal(-1, coordinatorSide.Rent());
        Assert.All(MemoryMarshal.Cast<byte, int>(sums.Span).ToArray(), v => Assert.Equal(42, v));

        SharedSums.ReleaseIfSlot(sums);
        Assert.Throws<ObjectDisposedException>(() => sums.Span.Length);
    }

    private static float[] Values(long version) => Enumerable.Range(0, Count).Select(i => (version * 1000) + (i * 0.25f)).ToArray();
}
