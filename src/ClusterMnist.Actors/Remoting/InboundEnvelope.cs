using ClusterMnist.Actors.Wire;
using Google.Protobuf;

namespace ClusterMnist.Actors.Remoting;

/// <summary>
/// A received <see cref="Envelope"/> whose payload is a slice of the receive buffer rather than a copy, so a tensor
/// reaches its codec without being copied again.
/// </summary>
internal readonly record struct InboundEnvelope(
    EnvelopeKind Kind, string Target, string Sender, string Type, ReadOnlyMemory<byte> Payload, ulong Correlation, string Text)
{
    /// <summary>Parses <paramref name="length"/> bytes of <paramref name="buffer"/>; throws <see cref="MalformedEnvelopeException"/> on garbage.</summary>
    public static InboundEnvelope Parse(byte[] buffer, int length)
    {
        try
        {
            return ParseFields(buffer, length);
        }
        catch (InvalidProtocolBufferException exception)
        {
            throw new MalformedEnvelopeException(exception.Message, exception);
        }
    }

    private static InboundEnvelope ParseFields(byte[] buffer, int length)
    {
        var input = new CodedInputStream(buffer, 0, length);
        // Position may count from the array start or from the stream start; measuring from a baseline works either way.
        var origin = 0;
        var baseline = input.Position;
        string target = "", sender = "", type = "", text = "";
        var payload = ReadOnlyMemory<byte>.Empty;
        ulong correlation = 0;
        var kind = EnvelopeKind.User;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (Envelope.TargetFieldNumber, WireFormat.WireType.LengthDelimited):
                    target = input.ReadString();
                    break;
                case (Envelope.SenderFieldNumber, WireFormat.WireType.LengthDelimited):
                    sender = input.ReadString();
                    break;
                case (Envelope.TypeFieldNumber, WireFormat.WireType.LengthDelimited):
                    type = input.ReadString();
                    break;
                case (Envelope.PayloadFieldNumber, WireFormat.WireType.LengthDelimited):
                    var payloadLength = input.ReadLength();
                    var start = origin + (int)(input.Position - baseline);
                    if (payloadLength < 0 || start + payloadLength > length)
                    {
                        throw new MalformedEnvelopeException($"Envelope payload of {payloadLength} bytes overruns the {length}-byte message.");
                    }

                    payload = buffer.AsMemory(start, payloadLength);
                    // Step over the payload by re-reading from its end; CodedInputStream has no public skip.
                    origin = start + payloadLength;
                    input = new CodedInputStream(buffer, origin, length - origin);
                    baseline = input.Position;
                    break;
                case (Envelope.CorrelationFieldNumber, WireFormat.WireType.Varint):
                    correlation = input.ReadUInt64();
                    break;
                case (Envelope.KindFieldNumber, WireFormat.WireType.Varint):
                    kind = (EnvelopeKind)input.ReadEnum();
                    break;
                case (Envelope.TextFieldNumber, WireFormat.WireType.LengthDelimited):
                    text = input.ReadString();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        if (!Enum.IsDefined(kind))
        {
            throw new MalformedEnvelopeException($"Unknown envelope kind {(int)kind}.");
        }

        return new InboundEnvelope(kind, target, sender, type, payload, correlation, text);
    }
}
