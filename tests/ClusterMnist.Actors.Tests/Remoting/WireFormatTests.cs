using System.Runtime.InteropServices;
using ClusterMnist.Actors.Remoting;
using ClusterMnist.Actors.Tests.Wire;
using ClusterMnist.Actors.Wire;
using Google.Protobuf;

namespace ClusterMnist.Actors.Tests.Remoting;

public class WireFormatTests
{
    [Fact]
    public void TensorBytesWrap_AliasesTheFloats_InsteadOfCopying()
    {
        var values = new float[] { 1f, 2f, 3f };

        var bytes = TensorBytes.Wrap(values);
        values[1] = 42f;

        Assert.Equal(12, bytes.Length);
        Assert.Equal(42f, BitConverter.ToSingle(bytes.Span[4..8]));
    }

    [Fact]
    public void TensorBytesAsFloats_IsAViewOfTheReceivedBytes()
    {
        var buffer = new byte[13];
        BitConverter.TryWriteBytes(buffer.AsSpan(5, 4), 2.5f);

        var floats = TensorBytes.AsFloats(buffer.AsMemory(1, 12)); // unaligned, as a slice of a frame may be
        Assert.Equal(2.5f, floats.Span[1]);
        BitConverter.TryWriteBytes(buffer.AsSpan(5, 4), -1f);
        Assert.Equal(-1f, floats.Span[1]);
        Assert.Throws<InvalidDataException>(() => TensorBytes.AsFloats(buffer.AsMemory(0, 7)));
    }

    [Fact]
    public void Envelope_WrittenFieldByField_ParsesWithTheGeneratedParser_AndTheZeroCopyReader()
    {
        var tensor = new TensorMessage { Step = 9, Name = "b2", Values = TensorBytes.Wrap(new float[] { 1, -2, 3.5f }) };
        var frame = EnvelopeWriter.Write(EnvelopeKind.Reply, 1 << 20, "/user/a", "/user/b", "test.Tensor", tensor, 77, "why");
        var bytes = frame.ToArray();
        frame.Return();

        var generated = Envelope.Parser.ParseFrom(bytes);
        var inbound = InboundEnvelope.Parse(bytes, bytes.Length);

        Assert.Equal(("/user/a", "/user/b", "test.Tensor", 77UL, EnvelopeKind.Reply, "why"), (generated.Target, generated.Sender, generated.Type, generated.Correlation, generated.Kind, generated.Text));
        Assert.Equal((generated.Target, generated.Sender, generated.Type, generated.Correlation, generated.Kind, generated.Text), (inbound.Target, inbound.Sender, inbound.Type, inbound.Correlation, inbound.Kind, inbound.Text));
        Assert.Equal(tensor.ToByteArray(), generated.Payload.ToByteArray());
        Assert.True(inbound.Payload.Span.SequenceEqual(generated.Payload.Span));
        Assert.True(MemoryMarshal.TryGetArray(inbound.Payload, out var segment) && ReferenceEquals(segment.Array, bytes));
    }

    [Fact]
    public void Envelope_WithAnAttachment_IsTheSameMessage_AndItsTailIsTheCallersMemory()
    {
        var values = new float[] { 1, -2, 3.5f, 1e-3f };
        var raw = TensorBytes.Wrap(values).Memory;
        var small = new TensorMessage { Step = 9, Name = "b2" };
        var frame = EnvelopeWriter.Write(EnvelopeKind.User, 1 << 20, "/user/a", "/user/b", "test.Tensor", small, 77, "why",
            new OutboundAttachment(TensorMessage.ValuesFieldNumber, raw));
        var bytes = frame.ToArray();

        Assert.True(frame.Tail.Span.Overlaps(MemoryMarshal.AsBytes(values.AsSpan())), "the attachment must be sent from the caller's floats, not a copy");
        Assert.Equal(bytes.Length, frame.Head.Length + raw.Length);
        frame.Return();
        var generated = Envelope.Parser.ParseFrom(bytes);
        var inbound = InboundEnvelope.Parse(bytes, bytes.Length);
        var whole = new TensorMessage { Step = 9, Name = "b2", Values = TensorBytes.Wrap(values) };
        Assert.Equal(whole, TensorMessage.Parser.ParseFrom(generated.Payload));
        Assert.Equal((77UL, "why", "/user/a", "/user/b"), (generated.Correlation, generated.Text, generated.Target, generated.Sender));
        Assert.True(inbound.Payload.Span.SequenceEqual(generated.Payload.Span));
        var detached = ProtobufFields.Detach(inbound.Payload, TensorMessage.ValuesFieldNumber, out _);
        Assert.Equal(values, TensorBytes.AsFloats(detached).ToArray());
    }

    [Fact]
    public void Frame_TellsTheAttachmentOwnerOnce_WhenReturned_AndNeverWhenDiscarded()
    {
        int sent = 0;
        var attachment = new OutboundAttachment(TensorMessage.ValuesFieldNumber, new byte[8], () => sent++);
        var returned = EnvelopeWriter.Write(EnvelopeKind.User, 1 << 20, "/user/a", type: "t", payload: new TensorMessage(), attachment: attachment);
        returned.Return();
        returned.Return();
        Assert.Equal(1, sent);

        var discarded = EnvelopeWriter.Write(EnvelopeKind.User, 1 << 20, "/user/a", type: "t", payload: new TensorMessage(), attachment: attachment);
        discarded.Discard();
        discarded.Return();
        Assert.Equal(1, sent);
        Assert.True(discarded.Head.IsEmpty);
    }

    [Fact]
    public void Envelope_WithAnAttachment_CountsItAgainstTheSizeLimit()
    {
        var attachment = new OutboundAttachment(TensorMessage.ValuesFieldNumber, new byte[4096]);
        Assert.Throws<InvalidOperationException>(() => EnvelopeWriter.Write(EnvelopeKind.User, 4000, "/user/a", type: "t", payload: new TensorMessage(), attachment: attachment));
        Assert.Throws<ArgumentException>(() => EnvelopeWriter.Write(EnvelopeKind.User, 1 << 20, "/user/a", type: "t", attachment: attachment));
    }

    [Fact]
    public void InboundEnvelope_RejectsGarbage_WithMalformedEnvelopeException()
    {
        var garbage = new byte[] { 0x22, 0x7F, 0x01 }; // payload claims 127 bytes, has 1

        Assert.Throws<MalformedEnvelopeException>(() => InboundEnvelope.Parse(garbage, garbage.Length));
        Assert.Throws<MalformedEnvelopeException>(() => InboundEnvelope.Parse([0x30, 0x63], 2)); // kind 99
    }

    [Fact]
    public void Detach_ReturnsTheBytesFieldAsAView_AndTheOtherFieldsParse()
    {
        var message = new TensorMessage { Step = 3, Name = "W1", Values = ByteString.CopyFrom(1, 2, 3, 4) };
        var framed = new byte[] { 9, 9 }.Concat(message.ToByteArray()).ToArray();
        var payload = framed.AsMemory(2);

        var values = ProtobufFields.Detach(payload, TensorMessage.ValuesFieldNumber, out var others);

        Assert.Equal(new byte[] { 1, 2, 3, 4 }, values.ToArray());
        Assert.True(MemoryMarshal.TryGetArray(values, out var segment) && ReferenceEquals(segment.Array, framed));
        var header = TensorMessage.Parser.ParseFrom(others.Span);
        Assert.Equal((3L, "W1", 0), (header.Step, header.Name, header.Values.Length));
    }

    [Fact]
    public void Detach_CopiesOnlyTheOtherFields_WhenTheBytesFieldIsNotLast()
    {
        // Hand-written order: values (15) before step (1), as another writer might emit.
        var output = new MemoryStream();
        var coded = new CodedOutputStream(output);
        coded.WriteTag(TensorMessage.ValuesFieldNumber, WireFormat.WireType.LengthDelimited);
        coded.WriteBytes(ByteString.CopyFrom(7, 7));
        coded.WriteTag(TensorMessage.StepFieldNumber, WireFormat.WireType.Varint);
        coded.WriteInt64(5);
        coded.Flush();

        var values = ProtobufFields.Detach(output.ToArray(), TensorMessage.ValuesFieldNumber, out var others);

        Assert.Equal(new byte[] { 7, 7 }, values.ToArray());
        Assert.Equal(5, TensorMessage.Parser.ParseFrom(others.Span).Step);
    }
}
