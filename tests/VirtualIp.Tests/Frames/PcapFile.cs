using System.Buffers.Binary;
using VirtualIp.Testing;

namespace VirtualIp.Tests.Frames;

/// <summary>A tiny reader for classic little-endian pcap files (Ethernet link type).</summary>
internal static class PcapFile
{
    public static IReadOnlyList<byte[]> ReadFrames(string name) => ReadFile(Path.Combine(TestEnvironment.VectorsDir, name));

    /// <summary>The frames of the pcap file at <paramref name="path"/>.</summary>
    public static IReadOnlyList<byte[]> ReadFile(string path)
    {
        var name = Path.GetFileName(path);
        var data = File.ReadAllBytes(path);
        if (data.Length < 24 || BinaryPrimitives.ReadUInt32LittleEndian(data) != 0xA1B2C3D4)
        {
            throw new InvalidDataException($"{name}: not a little-endian microsecond pcap file.");
        }

        uint linkType = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(20));
        if (linkType != 1)
        {
            throw new InvalidDataException($"{name}: link type {linkType}, expected 1 (Ethernet).");
        }

        var frames = new List<byte[]>();
        int pos = 24;
        while (pos + 16 <= data.Length)
        {
            int captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos + 8));
            int original = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos + 12));
            pos += 16;
            if (captured != original || pos + captured > data.Length)
            {
                throw new InvalidDataException($"{name}: truncated record at {pos}.");
            }

            frames.Add(data.AsSpan(pos, captured).ToArray());
            pos += captured;
        }

        return frames;
    }

    /// <summary>All frames of all the named captures whose EtherType (at offset 12) is <paramref name="etherType"/>.</summary>
    public static IEnumerable<(string File, byte[] Frame)> FramesOfType(ushort etherType, params string[] files) =>
        files.SelectMany(f => ReadFrames(f).Select(fr => (f, fr)))
            .Where(x => BinaryPrimitives.ReadUInt16BigEndian(x.fr.AsSpan(12)) == etherType);
}
