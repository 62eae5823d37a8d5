using System.Buffers.Binary;

namespace VirtualIp.Leasing;

/// <summary>
/// An append-only file of checksummed records: [length u32 LE][CRC-32 u32 LE][payload]. Each append is written with one
/// write and made durable (fsync) before it returns; replay stops at the first record whose length or checksum does
/// not hold (a torn tail from a crash mid-write) and cuts the file there. A lock file keeps a second process out.
/// </summary>
internal sealed class LeaseJournal : IDisposable
{
    private const int HeaderSize = 8;
    private const int MaxRecord = 64 * 1024;
    private readonly string _path;
    private readonly FileStream _lock;
    private FileStream _file;

    public LeaseJournal(string path)
    {
        _path = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        try
        {
            _lock = new FileStream(_path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"The lease journal '{_path}' is in use by another process (its .lock file is held).", ex);
        }

        _file = Open(_path);
    }

    /// <summary>Records appended since the journal was last rewritten (or opened).</summary>
    public long Records { get; private set; }

    /// <summary>Reads every intact record, cuts a torn tail off the file, and leaves the file positioned for appends.</summary>
    public List<byte[]> Replay()
    {
        var records = new List<byte[]>();
        _file.Position = 0;
        long good = 0;
        Span<byte> header = stackalloc byte[HeaderSize];
        while (true)
        {
            if (_file.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize)
            {
                break;
            }

            int length = BinaryPrimitives.ReadInt32LittleEndian(header);
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            if (length <= 0 || length > MaxRecord || good + HeaderSize + length > _file.Length)
            {
                break;
            }

            var payload = new byte[length];
            if (_file.ReadAtLeast(payload, length, throwOnEndOfStream: false) < length || Crc32.Compute(payload) != crc)
            {
                break;
            }

            records.Add(payload);
            good += HeaderSize + length;
        }

        if (good != _file.Length)
        {
            _file.SetLength(good); // a record that was being written when the process died: it was never acknowledged
            _file.Flush(flushToDisk: true);
        }

        _file.Position = good;
        Records = records.Count;
        return records;
    }

    /// <summary>Appends one record and makes it durable before returning.</summary>
    public void Append(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[HeaderSize + payload.Length];
        Frame(payload, frame);
        _file.Write(frame);
        _file.Flush(flushToDisk: true);
        Records++;
    }

    /// <summary>
    /// Replaces the journal by <paramref name="payloads"/> (compaction): written to a temporary file, made durable, then
    /// renamed over the journal (atomic), so a crash at any point leaves either the old or the new journal, whole.
    /// </summary>
    public void Rewrite(IReadOnlyList<byte[]> payloads)
    {
        var tmp = _path + ".tmp";
        using (var t = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var p in payloads)
            {
                var frame = new byte[HeaderSize + p.Length];
                Frame(p, frame);
                t.Write(frame);
            }

            t.Flush(flushToDisk: true);
        }

        _file.Dispose();
        File.Move(tmp, _path, overwrite: true);
        _file = Open(_path);
        _file.Position = _file.Length;
        Records = payloads.Count;
    }

    public void Dispose()
    {
        _file.Dispose();
        _lock.Dispose();
    }

    private static void Frame(ReadOnlySpan<byte> payload, Span<byte> frame)
    {
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], Crc32.Compute(payload));
        payload.CopyTo(frame[HeaderSize..]);
    }

    private static FileStream Open(string path) =>
        new(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
}
