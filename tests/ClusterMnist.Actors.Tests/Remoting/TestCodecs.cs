using ClusterMnist.Actors.Remoting;
using ClusterMnist.Actors.Tests.Wire;

namespace ClusterMnist.Actors.Tests.Remoting;

/// <summary>A tensor-carrying record, as a gradient or parameter message of the cluster protocol would be.</summary>
internal sealed record TensorPayload(long Step, string Name, ReadOnlyMemory<float> Values);

/// <summary>The codecs a higher layer would register: small records via protobuf, tensors as raw bytes.</summary>
/// <summary>A tensor record whose receiver gives its receive buffer back with <see cref="TensorBytes.Release(ReadOnlyMemory{float})"/>.</summary>
internal sealed record LeasedTensorPayload(long Step, ReadOnlyMemory<float> Values);

/// <summary>A tensor record sent as an attachment, straight from <paramref name="Values"/>; <paramref name="Sent"/> runs once it is on the socket.</summary>
internal sealed record AttachedTensorPayload(long Step, ReadOnlyMemory<float> Values, Action? Sent = null);

internal static class TestCodecs
{
    public static MessageCodecRegistry Create() => new MessageCodecRegistry()
        .Register(MessageCodec.ForProtobuf<Echo, TextMessage>("test.Echo", echo => new TextMessage { Text = echo.Text }, proto => new Echo(proto.Text)))
        .Register(MessageCodec.ForProtobuf<Work, NumberMessage>("test.Work", work => new NumberMessage { Number = work.Number }, proto => new Work(proto.Number)))
        .Register(MessageCodec.Create<TensorPayload>(
            "test.Tensor",
            tensor => new TensorMessage { Step = tensor.Step, Name = tensor.Name, Values = TensorBytes.Wrap(tensor.Values) },
            payload =>
            {
                var values = ProtobufFields.Detach(payload, TensorMessage.ValuesFieldNumber, out var header);
                var proto = TensorMessage.Parser.ParseFrom(header.Span);
                return new TensorPayload(proto.Step, proto.Name, TensorBytes.AsFloats(values));
            }))
        .Register(MessageCodec.CreateLeased<LeasedTensorPayload>(
            "test.LeasedTensor",
            tensor => new TensorMessage { Step = tensor.Step, Values = TensorBytes.Wrap(tensor.Values) },
            payload =>
            {
                var values = ProtobufFields.Detach(payload, TensorMessage.ValuesFieldNumber, out var header);
                return new LeasedTensorPayload(TensorMessage.Parser.ParseFrom(header.Span).Step, TensorBytes.AsFloats(values));
            }))
        .Register(MessageCodec.Create<AttachedTensorPayload>(
            "test.AttachedTensor",
            tensor => new TensorMessage { Step = tensor.Step },
            payload =>
            {
                var values = ProtobufFields.Detach(payload, TensorMessage.ValuesFieldNumber, out var header);
                return new AttachedTensorPayload(TensorMessage.Parser.ParseFrom(header.Span).Step, TensorBytes.AsFloats(values));
            },
            tensor => new OutboundAttachment(TensorMessage.ValuesFieldNumber, TensorBytes.Wrap(tensor.Values).Memory, tensor.Sent)));
}
