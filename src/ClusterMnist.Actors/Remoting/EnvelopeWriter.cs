using System.Buffers;
using ClusterMnist.Actors.Wire;
using Google.Protobuf;

namespace ClusterMnist.Actors.Remoting;

/// <summary>
/// Writes an <see cref="Envelope"/> field by field, so the payload message is serialized straight into the frame
/// buffer (the <c>payload</c> bytes field and an embedded message share one wire encoding) instead of being
/// serialized to a temporary <see cref="ByteString"/> first. The payload is written last, and an
/// <see cref="OutboundAttachment"/> last within it, so the attachment's bytes end the message and can be sent from
/// their own memory after the frame buffer (protobuf readers accept fields in any order).
/// </summary>
internal static class EnvelopeWriter
{
    public static OutboundFrame Write(
        EnvelopeKind kind,
        int maxMessageSize,
        string target = "",
        string sender = "",
        string type = "",
        IMessage? payload = null,
        ulong correlation = 0,
        string text = "",
        OutboundAttachment attachment = default)
    {
        if (!attachment.IsNone && (payload is null || attachment.FieldNumber < 1))
        {
            throw new ArgumentException("An attachment needs a payload message and a positive field number.", nameof(attachment));
        }

        var attached = attachment.Bytes.Length;
        long attachmentHeader = attached == 0 ? 0
            : CodedOutputStream.ComputeTagSize(attachment.FieldNumber) + CodedOutputStream.ComputeLengthSize(attached);
        var payloadSize = (payload?.CalculateSize() ?? 0) + attachmentHeader + attached;
        long size = StringFieldSize(target) + StringFieldSize(sender) + StringFieldSize(type) + StringFieldSize(text);
        size += correlation == 0 ? 0 : 1 + CodedOutputStream.ComputeUInt64Size(correlation);
        size += kind == EnvelopeKind.User ? 0 : 1 + CodedOutputStream.ComputeEnumSize((int)kind);
        if (payload is not null)
        {
            size += 1 + CodedOutputStream.ComputeLengthSize((int)Math.Min(payloadSize, int.MaxValue)) + payloadSize;
        }

        if (size > maxMessageSize)
        {
            throw new InvalidOperationException(
                $"{type} to {target} would be a {size}-byte message, above the {maxMessageSize}-byte limit (RemotingOptions.MaxMessageSize).");
        }

        var headLength = (int)(size - attached);
        var buffer = ArrayPool<byte>.Shared.Rent(headLength);
        var output = new CodedOutputStream(buffer);
        WriteString(output, Envelope.TargetFieldNumber, target);
        WriteString(output, Envelope.SenderFieldNumber, sender);
        WriteString(output, Envelope.TypeFieldNumber, type);
        if (correlation != 0)
        {
            output.WriteTag(Envelope.CorrelationFieldNumber, WireFormat.WireType.Varint);
            output.WriteUInt64(correlation);
        }

        if (kind != EnvelopeKind.User)
        {
            output.WriteTag(Envelope.KindFieldNumber, WireFormat.WireType.Varint);
            output.WriteEnum((int)kind);
        }

        WriteString(output, Envelope.TextFieldNumber, text);
        if (payload is not null)
        {
            output.WriteTag(Envelope.PayloadFieldNumber, WireFormat.WireType.LengthDelimited);
            output.WriteLength((int)payloadSize);
            payload.WriteTo(output);
            if (attached > 0)
            {
                output.WriteTag(attachment.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteLength(attached);
            }
        }

        output.Flush();
        var description = kind == EnvelopeKind.User ? $"{type} to {target}" : $"{kind} {type}".TrimEnd();
        return new OutboundFrame(buffer, headLength, attachment, description);
    }

    private static int StringFieldSize(string value) => value.Length == 0 ? 0 : 1 + CodedOutputStream.ComputeStringSize(value);

    private static void WriteString(CodedOutputStream output, int field, string value)
    {
        if (value.Length > 0)
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteString(value);
        }
    }
}
