using System.Collections.Frozen;
using Akka.Serialization;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Messages;
using Hyperion;

namespace ClusterMnist.Cluster.Serialization;

/// <summary>
/// What Hyperion may instantiate from the wire: the control records and the types they are made of, nothing else.
/// A message naming any other type (a gadget chain, a delegate, a type of ours that is not a message) is refused
/// before it is loaded, on top of Hyperion's own list of unsafe types.
/// </summary>
internal sealed class ControlMessageTypeFilter : ITypeFilter
{
    /// <summary>The control records and the types of their fields that are ours.</summary>
    internal static readonly Type[] ProtocolTypes =
    [
        typeof(JoinRequest), typeof(WorkerReady), typeof(Goodbye), typeof(JoinAccepted), typeof(JoinRefused), typeof(WorkerAdmitted), typeof(TrainingFinished),
        typeof(DataPlaneOffer), typeof(StreamOffer), typeof(SharedMemoryOffer), typeof(TensorRoute),
    ];

    private static readonly FrozenSet<string> Allowed = ProtocolTypes.Select(t => Normalize(t.AssemblyQualifiedName!)).ToFrozenSet(StringComparer.Ordinal);

    private ControlMessageTypeFilter()
    {
    }

    /// <summary>Hyperion's settings for the control records: no object references, no version tolerance, unsafe types refused, this filter.</summary>
    public static HyperionSerializerSettings Settings { get; } = new(
        preserveObjectReferences: false,
        versionTolerance: false,
        knownTypesProvider: typeof(ProtocolKnownTypes),
        packageNameOverrides: [],
        surrogates: [],
        disallowUnsafeType: true,
        typeFilter: new ControlMessageTypeFilter());

    /// <summary>
    /// True for a protocol type, named as Hyperion names it: fully assembly-qualified when it serializes, "Type, Assembly"
    /// as the wire carries it when it deserializes. (Hyperion's own TypeFilter keeps only the short form and so refuses
    /// the very types it allows when they are sent.)
    /// </summary>
    public bool IsAllowed(string typeName) => Allowed.Contains(Normalize(typeName));

    // "Namespace.Type, Assembly" out of "Namespace.Type, Assembly, Version=…, Culture=…, PublicKeyToken=…".
    private static string Normalize(string typeName)
    {
        var parts = typeName.Split(',', 3, StringSplitOptions.TrimEntries);
        return parts.Length < 2 ? parts[0] : $"{parts[0]}, {parts[1]}";
    }
}

/// <summary>The control records, known to every node: Hyperion writes a small index instead of each type's name.</summary>
internal sealed class ProtocolKnownTypes : IKnownTypesProvider
{
    public IEnumerable<Type> GetKnownTypes() => ControlMessageTypeFilter.ProtocolTypes;
}
