// Tensors between processes on one host. A worker on the coordinator's machine need not push ~1 MB of parameters
// and ~1 MB of int32 sums through a loopback TLS stream every step (encryption, a copy into the kernel, a copy out,
// decryption on both sides): the coordinator maps two files in /dev/shm and the worker maps the same files. The
// parameter file holds every version in one of two slots (version parity), written once per version whatever the
// number of workers, and guarded by a stamp (a sequence lock) so a reader can tell a torn or overwritten copy from
// the version it asked for. Each worker has its own sums file with two slots; the coordinator names the slot in the
// assignment and frees it when the update has added it, so a worker never writes a slot that is still being read.
// The small messages (shard lists, sample indices, losses) still travel over Akka.Remote, which also orders the
// writes: a worker writes its sums before it sends the ShardsDone that names them.
//
// Whether it works is tested, not guessed: the coordinator offers the files with a random nonce written in their
// headers, and a worker that can open them and read the same nonce says so; otherwise (another machine, a container
// with its own /dev/shm) tensors travel over its data plane stream.
using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>What a coordinator offers a worker on its host: the two files and the nonce each one's header carries.</summary>
/// <param name="ParametersPath">The coordinator's parameter file (shared by all its workers).</param>
/// <param name="ParametersNonce">Hex of the random bytes in the parameter file's header.</param>
/// <param name="SumsPath">This worker's sums file.</param>
/// <param name="SumsNonce">Hex of the random bytes in the sums file's header.</param>
public sealed record SharedMemoryOffer(string ParametersPath, string ParametersNonce, string SumsPath, string SumsNonce);

/// <summary>A file mapped into this process: its header (magic, nonce, element count) and 64-byte-aligned slots.</summary>
internal sealed unsafe class SharedMemoryFile : IDisposable
{
    /// <summary>Bytes before the first slot, and the alignment of every slot.</summary>
    public const int HeaderBytes = 64;

    private const ulong Magic = 0x31304D4853584D43; // "CMXSHM01"
    private const int NonceBytes = 16;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;
    private int _disposed;

    private SharedMemoryFile(string path, MemoryMappedFile file, MemoryMappedViewAccessor view, int slotCount, int slotBytes)
    {
        Path = path;
        _file = file;
        _view = view;
        SlotCount = slotCount;
        SlotBytes = slotBytes;
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
    }

    public string Path { get; }

    public int SlotCount { get; }

    /// <summary>Bytes per slot, a multiple of 64.</summary>
    public int SlotBytes { get; }

    /// <summary>The directory new files go to: /dev/shm (memory) where it exists, else the temporary directory.</summary>
    public static string Directory => System.IO.Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();

    public string NonceHex => Convert.ToHexString(new ReadOnlySpan<byte>(_base + 8, NonceBytes));

    public int ElementCount => *(int*)(_base + 8 + NonceBytes);

    /// <summary>A new name in <see cref="Directory"/>, after this process (see SharedParameters.RemoveStale).</summary>
    public static string NewPath(string extension)
        => System.IO.Path.Combine(Directory, $"{SharedParameters.FilePrefix}{Environment.ProcessId}-{Guid.NewGuid():N}.{extension}");

    /// <summary>Creates a new file of <paramref name="slotCount"/> slots of <paramref name="slotBytes"/> bytes, with a fresh nonce.</summary>
    public static SharedMemoryFile Create(string path, int elementCount, int slotCount, int slotBytes)
    {
        long length = Length(slotCount, ref slotBytes);
        // A file in a full tmpfs is created sparse and the first write to a missing page kills the process (SIGBUS);
        // refuse up front instead, and the worker uses its stream.
        long free = FreeBytes(System.IO.Path.GetDirectoryName(path)!);
        if (free < 2 * length)
            throw new IOException($"{System.IO.Path.GetDirectoryName(path)} has {free} bytes free; a {length}-byte shared memory file needs twice that.");
        var file = MemoryMappedFile.CreateFromFile(path, FileMode.CreateNew, mapName: null, length, MemoryMappedFileAccess.ReadWrite);
        SharedMemoryFile? mapped = null;
        try
        {
            mapped = new SharedMemoryFile(path, file, file.CreateViewAccessor(0, length, MemoryMappedFileAccess.ReadWrite), slotCount, slotBytes);
            RandomNumberGenerator.Fill(new Span<byte>(mapped._base + 8, NonceBytes));
            *(int*)(mapped._base + 8 + NonceBytes) = elementCount;
            Volatile.Write(ref *(ulong*)mapped._base, Magic);
            return mapped;
        }
        catch
        {
            if (mapped is not null)
                mapped.Dispose();
            else
                file.Dispose();
            TryDelete(path);
            throw;
        }
    }

    /// <summary>
    /// Maps an existing file and checks that it is the one offered: the magic, <paramref name="nonceHex"/>, the element
    /// count and the size. Returns null, with the reason, when it is not (or cannot be opened).
    /// </summary>
    public static SharedMemoryFile? Open(string path, string nonceHex, int elementCount, int slotCount, int slotBytes, bool writable, out string? problem)
    {
        var access = writable ? MemoryMappedFileAccess.ReadWrite : MemoryMappedFileAccess.Read;
        long length = Length(slotCount, ref slotBytes);
        MemoryMappedFile file;
        try
        {
            if (!File.Exists(path))
            {
                problem = $"{path} does not exist here (another host, or a separate /dev/shm)";
                return null;
            }
            if (new FileInfo(path).Length != length)
            {
                problem = $"{path} has {new FileInfo(path).Length} bytes, not the expected {length}";
                return null;
            }
            file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, 0, access);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"{path} cannot be mapped: {e.Message}";
            return null;
        }
        var mapped = new SharedMemoryFile(path, file, file.CreateViewAccessor(0, length, access), slotCount, slotBytes);
        if (Volatile.Read(ref *(ulong*)mapped._base) != Magic || !string.Equals(mapped.NonceHex, nonceHex, StringComparison.OrdinalIgnoreCase))
            problem = $"{path} is not the file the coordinator offered (its nonce differs)";
        else if (mapped.ElementCount != elementCount)
            problem = $"{path} holds {mapped.ElementCount} elements, not the model's {elementCount}";
        else
            problem = null;
        if (problem is null)
            return mapped;
        mapped.Dispose();
        return null;
    }

    // Free bytes of the file system holding the directory; unknown (taken as enough) where DriveInfo cannot tell, e.g.
    // a Windows temporary folder, which is not a drive root.
    private static long FreeBytes(string directory)
    {
        try
        {
            return new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            return long.MaxValue;
        }
    }

    // The file's size; rounds the slot size up to the 64-byte alignment.
    private static long Length(int slotCount, ref int slotBytes)
    {
        slotBytes = (slotBytes + HeaderBytes - 1) / HeaderBytes * HeaderBytes;
        return HeaderBytes + ((long)slotCount * slotBytes);
    }

    /// <summary>The start of slot <paramref name="slot"/>.</summary>
    public byte* Slot(int slot)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if ((uint)slot >= (uint)SlotCount)
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"The file has {SlotCount} slots.");
        return _base + HeaderBytes + (long)slot * SlotBytes;
    }

    /// <summary>Removes the name (the mapping stays valid in every process that has it).</summary>
    public void Unlink() => TryDelete(Path);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Already gone, or never created.
        }
    }
}

/// <summary>
/// The parameter file: two slots, version v in slot v % 2, each a 64-byte stamp line and the float32 values. The
/// coordinator writes a version once (stamp −1 while it writes, then v); a worker copies a version out and checks
/// the stamp before and after, so it never computes from a slot that was rewritten under it.
/// </summary>
internal sealed unsafe class SharedParameters : IDisposable
{
    private readonly SharedMemoryFile _file;
    private readonly bool _owner;
    private long _published = -1;

    private SharedParameters(SharedMemoryFile file, int count, bool owner)
    {
        _file = file;
        Count = count;
        _owner = owner;
    }

    public int Count { get; }

    public string Path => _file.Path;

    public string NonceHex => _file.NonceHex;

    /// <summary>Creates the coordinator's file, named after this process so that a later coordinator can clean up after a killed one.</summary>
    public static SharedParameters Create(int count)
    {
        RemoveStale();
        string path = SharedMemoryFile.NewPath("params");
        var file = SharedMemoryFile.Create(path, count, 2, SlotBytes(count));
        // No version yet in either slot (a zero stamp would claim version 0).
        for (int slot = 0; slot < 2; slot++)
            Volatile.Write(ref *(long*)file.Slot(slot), -1);
        return new SharedParameters(file, count, owner: true);
    }

    /// <summary>Maps an offered parameter file, read-only; null, with the reason, when it is not usable here.</summary>
    public static SharedParameters? Open(string path, string nonceHex, int count, out string? problem)
        => SharedMemoryFile.Open(path, nonceHex, count, 2, SlotBytes(count), writable: false, out problem) is { } file
            ? new SharedParameters(file, count, owner: false)
            : null;

    /// <summary>Writes <paramref name="parameters"/> as version <paramref name="version"/>, unless that version is already there.</summary>
    public void Publish(long version, ReadOnlySpan<float> parameters)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        if (!_owner)
            throw new InvalidOperationException("Only the coordinator that created the parameter file writes it.");
        if (parameters.Length != Count)
            throw new ArgumentException($"Expected {Count} parameters, got {parameters.Length}.", nameof(parameters));
        if (version == _published)
            return;
        byte* slot = _file.Slot((int)(version & 1));
        ref long stamp = ref *(long*)slot;
        // Full fence: no value below is written before readers can see the slot is being rewritten.
        Interlocked.Exchange(ref stamp, -1);
        parameters.CopyTo(new Span<float>(slot + SharedMemoryFile.HeaderBytes, Count));
        Volatile.Write(ref stamp, version);
        _published = version;
    }

    /// <summary>Copies version <paramref name="version"/> into <paramref name="destination"/>; false when the slot holds another one.</summary>
    public bool TryRead(long version, Span<float> destination)
    {
        if (destination.Length != Count)
            throw new ArgumentException($"Expected room for {Count} parameters, got {destination.Length}.", nameof(destination));
        byte* slot = _file.Slot((int)(version & 1));
        ref long stamp = ref *(long*)slot;
        if (Volatile.Read(ref stamp) != version)
            return false;
        new ReadOnlySpan<float>(slot + SharedMemoryFile.HeaderBytes, Count).CopyTo(destination);
        Interlocked.MemoryBarrier();
        return Volatile.Read(ref stamp) == version;
    }

    /// <summary>Unmaps; the coordinator that created the file also removes it (a worker must not: others may still join).</summary>
    public void Dispose()
    {
        if (_owner)
            _file.Unlink();
        _file.Dispose();
    }

    /// <summary>The start of every file name, followed by the creating process's id.</summary>
    internal const string FilePrefix = "clustermnist-";

    private static int SlotBytes(int count) => SharedMemoryFile.HeaderBytes + count * sizeof(float);

    // Files of coordinators that were killed before they could remove them: their process no longer exists. (Process
    // ids are this PID namespace's; two coordinators in different PID namespaces sharing one /dev/shm are not supported.)
    private static void RemoveStale()
    {
        try
        {
            foreach (var path in System.IO.Directory.EnumerateFiles(SharedMemoryFile.Directory, FilePrefix + "*"))
            {
                string name = System.IO.Path.GetFileName(path)[FilePrefix.Length..];
                int dash = name.IndexOf('-', StringComparison.Ordinal);
                if (dash > 0 && int.TryParse(name.AsSpan(0, dash), out int pid) && pid != Environment.ProcessId && !ProcessExists(pid))
                    File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a file that cannot be removed now is tried again by the next coordinator.
        }
    }

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}

/// <summary>
/// One worker's sums file, two slots of int32 sums. On the coordinator's side it hands out free slots, exposes a
/// filled slot as the bytes of the ShardsDone that named it (released like a received buffer once the update has
/// added it), and unmaps only when it is retired and no slot is still being read. On the worker's side it is where
/// the thread partials are combined into.
/// </summary>
internal sealed unsafe class SharedSums : IDisposable
{
    /// <summary>Slots per worker: one for the step's assignment, one for shards reassigned to it in the same step.</summary>
    public const int Slots = 2;

    private readonly SharedMemoryFile _file;
    private readonly SlotMemory[] _slots;
    private readonly bool _owner;
    private int _busy;
    private bool _retired;

    private SharedSums(SharedMemoryFile file, int count, bool owner)
    {
        _file = file;
        Count = count;
        _owner = owner;
        _slots = Enumerable.Range(0, Slots).Select(s => new SlotMemory(this, s)).ToArray();
    }

    public int Count { get; }

    public string Path => _file.Path;

    public string NonceHex => _file.NonceHex;

    public static SharedSums Create(int count)
    {
        string path = SharedMemoryFile.NewPath("sums");
        return new SharedSums(SharedMemoryFile.Create(path, count, Slots, count * sizeof(int)), count, owner: true);
    }

    public static SharedSums? Open(string path, string nonceHex, int count, out string? problem)
        => SharedMemoryFile.Open(path, nonceHex, count, Slots, count * sizeof(int), writable: true, out problem) is { } file ? new SharedSums(file, count, owner: false) : null;

    /// <summary>Worker: where to write the sums of an assignment that named <paramref name="slot"/>.</summary>
    public Span<int> Writable(int slot) => new(_file.Slot(slot), Count);

    /// <summary>Coordinator: a free slot for the next assignment, or −1 when both are still being read.</summary>
    public int Rent()
    {
        lock (_slots)
        {
            if (_retired)
                return -1;
            for (int s = 0; s < Slots; s++)
            {
                if ((_busy & (1 << s)) == 0)
                {
                    _busy |= 1 << s;
                    return s;
                }
            }
            return -1;
        }
    }

    /// <summary>Coordinator: the sums a worker wrote into <paramref name="slot"/>, as the bytes of its answer.</summary>
    public ReadOnlyMemory<byte> Filled(int slot) => _slots[slot].Memory;

    /// <summary>Gives back the slot behind <paramref name="sums"/>, if they are a slot of a sums file.</summary>
    public static void ReleaseIfSlot(ReadOnlyMemory<byte> sums)
    {
        if (MemoryMarshal.TryGetMemoryManager(sums, out SlotMemory? slot))
            slot.Owner.Return(slot.Index);
    }

    /// <summary>Coordinator: the worker is gone; unmap once no slot is being read any more.</summary>
    public void Retire()
    {
        lock (_slots)
        {
            _retired = true;
            if (_busy != 0)
                return;
        }
        _file.Dispose();
    }

    /// <summary>Removes the file's name once the worker has mapped it (or declined it).</summary>
    public void Unlink() => _file.Unlink();

    /// <summary>
    /// Unmaps at once, and the coordinator's side also removes the name (a worker's leaves that to the coordinator,
    /// which removes it when the worker says it mapped the file). The coordinator itself uses <see cref="Retire"/>.
    /// </summary>
    public void Dispose()
    {
        if (_owner)
            _file.Unlink();
        _file.Dispose();
    }

    /// <summary>Coordinator: gives a rented slot back (its sums were added, or will never come).</summary>
    public void Return(int slot)
    {
        lock (_slots)
        {
            _busy &= ~(1 << slot);
            if (!_retired || _busy != 0)
                return;
        }
        _file.Dispose();
    }

    private sealed class SlotMemory(SharedSums owner, int index) : MemoryManager<byte>
    {
        public SharedSums Owner { get; } = owner;

        public int Index { get; } = index;

        public override Span<byte> GetSpan() => new(Owner._file.Slot(Index), Owner.Count * sizeof(int));

        public override MemoryHandle Pin(int elementIndex = 0) => new(Owner._file.Slot(Index) + elementIndex, default, this);

        public override void Unpin()
        {
            // Mapped memory does not move.
        }

        protected override void Dispose(bool disposing)
        {
            // Owned by the sums file.
        }
    }
}
