using Microsoft.Extensions.Time.Testing;
using ClusterMnist.Core.Model;
using ClusterMnist.Server.Hosting;
using ClusterMnist.Server.Snapshots;

namespace ClusterMnist.Server.Tests.Hosting;

public sealed class ThrottledParameterPublisherTests
{
    private static readonly ModelSpec Spec = ModelSpec.Parse("4-3-2");

    [Fact]
    public void OnStep_SkipsCopies_WhenThePreviousPublicationIsYoungerThanTheInterval()
    {
        var time = new FakeTimeProvider();
        var holder = new ModelSnapshotHolder();
        var publisher = new ThrottledParameterPublisher(holder, Spec, stepsPerEpoch: 4, TimeSpan.FromMilliseconds(50), time);
        var parameters = new float[Spec.ParameterCount];

        parameters[0] = 1;
        publisher.OnStep(1, parameters);
        parameters[0] = 2;
        time.Advance(TimeSpan.FromMilliseconds(49));
        publisher.OnStep(2, parameters);

        Assert.Equal(1, holder.Current!.Step);
        Assert.Equal(1f, holder.Current.Parameters[0]);

        time.Advance(TimeSpan.FromMilliseconds(1));
        publisher.OnStep(3, parameters);
        Assert.Equal(3, holder.Current!.Step);
        Assert.Equal(2f, holder.Current.Parameters[0]);

        // The copy is private: the trainer changing its buffer does not reach the served model.
        parameters[0] = 3;
        Assert.Equal(2f, holder.Current.Parameters[0]);
        Assert.Equal(2, publisher.Publications);
    }

    [Fact]
    public void PublishFinal_AlwaysPublishes_AndCountsFinishedEpochs()
    {
        var time = new FakeTimeProvider();
        var holder = new ModelSnapshotHolder();
        var publisher = new ThrottledParameterPublisher(holder, Spec, stepsPerEpoch: 4, TimeSpan.FromMilliseconds(50), time);
        var parameters = new float[Spec.ParameterCount];

        publisher.OnStep(7, parameters);
        publisher.PublishFinal(8, parameters);

        Assert.Equal(8, holder.Current!.Step);
        Assert.Equal(2, holder.Current.Epoch);
        Assert.Equal(2, publisher.Publications);
    }
}
