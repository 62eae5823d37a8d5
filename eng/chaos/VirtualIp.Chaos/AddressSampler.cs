using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;

namespace VirtualIp.Chaos;

/// <summary>
/// Which nodes held each VIP from <see cref="Ticks"/> on (bit i-1 = node i). <see cref="Previous"/> is the sweep
/// before, which still saw the old sets: the change happened in (Previous, Ticks]; a stalled sampler widens that.
/// </summary>
internal readonly record struct HolderSample(long Ticks, int V4, int V6, long Previous = 0);

/// <summary>
/// Samples the addresses of every node namespace every <c>period</c> with an rtnetlink RTM_GETADDR dump on a socket
/// opened inside each namespace (no process spawned per sample), and records each change of the holder sets.
/// The achieved sweep period (all nodes) is measured and reported.
/// </summary>
internal sealed class AddressSampler : IDisposable
{
    private const int AF_NETLINK = 16;
    private const int SOCK_RAW = 3;
    private const int SOCK_CLOEXEC = 0x80000;
    private const ushort RTM_NEWADDR = 20;
    private const ushort RTM_GETADDR = 22;
    private const ushort NLMSG_DONE = 3;
    private const ushort NLMSG_ERROR = 2;

    private readonly int[] _fds;
    private readonly byte[] _v4 = IPAddress.Parse(ChaosConfig.VipV4).GetAddressBytes();
    private readonly byte[] _v6 = IPAddress.Parse(ChaosConfig.VipV6).GetAddressBytes();
    private readonly List<HolderSample> _changes = [];
    private readonly TimeSpan _period;
    private readonly Thread _thread;
    private volatile bool _stop;
    private uint _seq;
    private long _sweeps;
    private long _firstSweep;
    private long _lastSweep;
    private long _maxSweepGap;

    public AddressSampler(NamespaceLab lab, TimeSpan period)
    {
        _period = period;
        _fds = [.. Enumerable.Range(1, lab.Nodes).Select(i => Native.RunIn(lab.Node(i), () =>
        {
            int fd = Native.Socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
            return fd >= 0 ? fd : throw new InvalidOperationException($"netlink socket: errno {Marshal.GetLastPInvokeError()}");
        }))];
        _thread = new Thread(Loop) { IsBackground = true, Name = "address sampler", Priority = ThreadPriority.Highest };
        _thread.Start();
        Cleanup.Register(Dispose);
    }

    /// <summary>The current holders (last sample).</summary>
    public HolderSample Current
    {
        get
        {
            lock (_changes)
            {
                return _changes.Count == 0 ? default : _changes[^1];
            }
        }
    }

    /// <summary>Every change so far.</summary>
    public HolderSample[] Changes
    {
        get
        {
            lock (_changes)
            {
                return [.. _changes];
            }
        }
    }

    /// <summary>Sweeps done, their mean period and the longest gap between two sweeps, in ms.</summary>
    public (long Sweeps, double MeanMs, double MaxMs) Stats
    {
        get
        {
            long n = Interlocked.Read(ref _sweeps);
            double mean = n > 1 ? (_lastSweep - _firstSweep) * 1000.0 / Stopwatch.Frequency / (n - 1) : 0;
            return (n, mean, _maxSweepGap * 1000.0 / Stopwatch.Frequency);
        }
    }

    /// <summary>Waits for one complete sweep after now and returns it.</summary>
    public HolderSample Fresh()
    {
        long n = Interlocked.Read(ref _sweeps);
        var sw = Stopwatch.StartNew();
        while (Interlocked.Read(ref _sweeps) < n + 2 && sw.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(2);
        }

        return Current;
    }

    private unsafe void Loop()
    {
        var buffer = new byte[32768];
        long periodTicks = (long)(_period.TotalSeconds * Stopwatch.Frequency);
        long next = Stopwatch.GetTimestamp();
        while (!_stop)
        {
            int v4 = 0, v6 = 0;
            for (int i = 0; i < _fds.Length; i++)
            {
                var (h4, h6) = Dump(_fds[i], buffer);
                v4 |= h4 ? 1 << i : 0;
                v6 |= h6 ? 1 << i : 0;
            }

            long now = Stopwatch.GetTimestamp();
            long previous = _lastSweep;
            if (_sweeps > 0)
            {
                _maxSweepGap = Math.Max(_maxSweepGap, now - _lastSweep);
            }
            else
            {
                _firstSweep = now;
            }

            _lastSweep = now;
            lock (_changes)
            {
                if (_changes.Count == 0 || _changes[^1].V4 != v4 || _changes[^1].V6 != v6)
                {
                    _changes.Add(new HolderSample(now, v4, v6, _sweeps > 0 ? previous : now));
                }
            }

            Interlocked.Increment(ref _sweeps);
            next += periodTicks;
            long wait = next - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                Thread.Sleep(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
            }
            else
            {
                next = Stopwatch.GetTimestamp();
            }
        }
    }

    /// <summary>One RTM_GETADDR dump: whether the IPv4 and the IPv6 VIP are present (any interface).</summary>
    private unsafe (bool V4, bool V6) Dump(int fd, byte[] buffer)
    {
        Span<byte> request = stackalloc byte[24];
        request.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(request, 24);
        BinaryPrimitives.WriteUInt16LittleEndian(request[4..], RTM_GETADDR);
        BinaryPrimitives.WriteUInt16LittleEndian(request[6..], 0x301); // NLM_F_REQUEST | NLM_F_DUMP
        uint seq = ++_seq;
        BinaryPrimitives.WriteUInt32LittleEndian(request[8..], seq);
        fixed (byte* r = request)
        {
            if (Native.Send(fd, r, 24, 0) < 0)
            {
                throw new InvalidOperationException($"netlink send: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        bool v4 = false, v6 = false;
        while (true)
        {
            nint n;
            fixed (byte* b = buffer)
            {
                n = Native.Recv(fd, b, buffer.Length, 0);
            }

            if (n <= 0)
            {
                throw new InvalidOperationException($"netlink recv: errno {Marshal.GetLastPInvokeError()}");
            }

            var data = buffer.AsSpan(0, (int)n);
            while (data.Length >= 16)
            {
                int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
                ushort type = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
                uint mseq = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
                if (len < 16 || len > data.Length)
                {
                    break;
                }

                if (mseq == seq)
                {
                    if (type is NLMSG_DONE or NLMSG_ERROR)
                    {
                        return (v4, v6);
                    }

                    if (type == RTM_NEWADDR && len >= 24)
                    {
                        var attrs = data[24..len];
                        while (attrs.Length >= 4)
                        {
                            int alen = BinaryPrimitives.ReadUInt16LittleEndian(attrs);
                            ushort atype = BinaryPrimitives.ReadUInt16LittleEndian(attrs[2..]);
                            if (alen < 4 || alen > attrs.Length)
                            {
                                break;
                            }

                            var value = attrs[4..alen];
                            if (atype is 1 or 2) // IFA_ADDRESS, IFA_LOCAL
                            {
                                v4 |= value.SequenceEqual(_v4);
                                v6 |= value.SequenceEqual(_v6);
                            }

                            attrs = attrs[Math.Min(attrs.Length, (alen + 3) & ~3)..];
                        }
                    }
                }

                data = data[Math.Min(data.Length, (len + 3) & ~3)..];
            }
        }
    }

    public void Dispose()
    {
        if (_stop)
        {
            return;
        }

        _stop = true;
        _thread.Join(1000);
        foreach (int fd in _fds)
        {
            _ = Native.Close(fd);
        }
    }
}
