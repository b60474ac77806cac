namespace ClusterMnist.Actors.Remoting;

/// <summary>
/// A large <c>bytes</c> field that a message sends straight from its own memory: the runtime writes the rest of the
/// envelope into a small frame buffer and puts these bytes on the socket after it, so a tensor is never copied into
/// the frame. The memory must not change until <see cref="Sent"/> runs.
/// </summary>
/// <param name="FieldNumber">
/// Field number of the <c>bytes</c> field in the payload message. It is written after everything the codec's
/// <see cref="IMessageCodec.Encode"/> writes, which must leave this field out; give it the highest field number, so a
/// receiver can take it as a view with <see cref="ProtobufFields.Detach"/> without copying.
/// </param>
/// <param name="Bytes">The field's value; nothing is written when empty.</param>
/// <param name="Sent">
/// Called once, from the connection's send loop, when the bytes have been written to the socket or the frame was
/// dropped (the connection closed). It is called only if the tell returned normally: a tell that throws leaves the
/// memory with the caller. A typical use releases the message's reference on a pooled buffer.
/// </param>
public readonly record struct OutboundAttachment(int FieldNumber, ReadOnlyMemory<byte> Bytes, Action? Sent = null)
{
    /// <summary>Whether there is an attachment at all.</summary>
    public bool IsNone => FieldNumber == 0;
}
