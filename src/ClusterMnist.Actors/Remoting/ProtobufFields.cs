using System.Runtime.InteropServices;
using Google.Protobuf;

namespace ClusterMnist.Actors.Remoting;

/// <summary>Zero-copy access to one length-delimited field of an encoded protobuf message.</summary>
public static class ProtobufFields
{
    /// <summary>
    /// Returns the value of <c>bytes</c> field <paramref name="fieldNumber"/> as a view of <paramref name="message"/>
    /// (empty when absent), and in <paramref name="others"/> the message without that field, ready for a generated
    /// parser. Parsing the whole message would copy the tensor; this copies at most the small other fields (none when
    /// the tensor is the last field written, as it is when it has the highest field number).
    /// </summary>
    public static ReadOnlyMemory<byte> Detach(ReadOnlyMemory<byte> message, int fieldNumber, out ReadOnlyMemory<byte> others)
    {
        var segment = MemoryMarshal.TryGetArray(message, out var array) ? array : new ArraySegment<byte>(message.ToArray());
        var input = new CodedInputStream(segment.Array!, segment.Offset, segment.Count);
        // Position may count from the array start or from the stream start; measuring from a baseline works either way.
        var baseline = input.Position;
        var value = ReadOnlyMemory<byte>.Empty;
        int fieldStart = -1, fieldEnd = -1;
        while (true)
        {
            var tagStart = (int)(input.Position - baseline);
            var tag = input.ReadTag();
            if (tag == 0)
            {
                break;
            }

            if (WireFormat.GetTagFieldNumber(tag) == fieldNumber && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                fieldStart = tagStart;
                var length = input.ReadLength();
                var valueStart = (int)(input.Position - baseline);
                value = message.Slice(valueStart, length);
                fieldEnd = valueStart + length;
                break;
            }

            input.SkipLastField();
        }

        if (fieldStart < 0)
        {
            others = message;
            return value;
        }

        var rest = message[fieldEnd..];
        if (rest.IsEmpty)
        {
            others = message[..fieldStart];
            return value;
        }

        var joined = new byte[fieldStart + rest.Length];
        message.Span[..fieldStart].CopyTo(joined);
        rest.Span.CopyTo(joined.AsSpan(fieldStart));
        others = joined;
        return value;
    }
}
