using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using VirtualIp.Vrrp.Auth;

namespace VirtualIp.Vrrp;

/// <summary>
/// The send half of a virtual router: it owns what an advert says (interval, VIPs), one preallocated buffer per
/// destination, the periodic advert timer and the hand-back lead timer. <see cref="Send"/> encodes, signs (auth_hmac)
/// and transmits one advert per destination without allocating. Used under the router's lock; the timers call the
/// router back (which decides, under its lock, whether it still is the master that should advertise).
/// </summary>
internal sealed class VrrpAdvertSender : IDisposable
{
    private readonly string _name;
    private readonly byte _vrid;
    private readonly VrrpVersion _version;
    private readonly bool _isIPv6;
    private readonly VrrpAuthType _authType;
    private readonly byte[] _authData;
    private readonly VrrpChecksumMode _checksumMode;
    private readonly VrrpTransportMux _mux;
    private readonly VrrpAuthenticator? _auth;
    private readonly VrrpRouterCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _advertTimer;
    private readonly Action _onLeadElapsed;
    private ITimer? _leadTimer;
    private ushort _intervalCs;
    private byte[] _vipBytes;
    private byte[][] _buffers;

    /// <summary>
    /// Creates the sender with the advert's content and one buffer per destination of <paramref name="mux"/>.
    /// <paramref name="onTick"/> is the advert timer's callback (the router sends if it is still master);
    /// <paramref name="onLeadElapsed"/> the hand-back lead's (the router sends its first advert as the new master).
    /// </summary>
    public VrrpAdvertSender(string name, byte vrid, VrrpVersion version, bool isIPv6, ushort intervalCs, byte[] vipBytes, VrrpAuthType authType,
        byte[] authData, VrrpChecksumMode checksumMode, VrrpTransportMux mux, VrrpAuthenticator? auth, VrrpRouterCounters counters,
        TimeProvider time, ILogger logger, Action onTick, Action onLeadElapsed)
    {
        _name = name;
        _vrid = vrid;
        _version = version;
        _isIPv6 = isIPv6;
        _intervalCs = intervalCs;
        _vipBytes = vipBytes;
        _authType = authType;
        _authData = authData;
        _checksumMode = checksumMode;
        _mux = mux;
        _auth = auth;
        _counters = counters;
        _time = time;
        _logger = logger;
        _onLeadElapsed = onLeadElapsed;
        _buffers = CreateBuffers();
        _advertTimer = time.CreateTimer(static s => ((Action)s!)(), onTick, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The advert interval this router sends, in centiseconds.</summary>
    public ushort IntervalCs => _intervalCs;

    /// <summary>The VIPs, concatenated in network order (the advert's address list).</summary>
    public byte[] VipBytes => _vipBytes;

    /// <summary>How long the first advert of a hand-back follows the first announcement: 20 ms, at most half the interval.</summary>
    public TimeSpan HandoverLead => TimeSpan.FromMilliseconds(Math.Min(20, _intervalCs * 10 / 2));

    /// <summary>Encodes one advert per destination into its preallocated buffer and sends it. Allocation-free.</summary>
    public void Send(byte priority)
    {
        var message = new VrrpMessage(_version, _vrid, priority, _intervalCs, _isIPv6, _vipBytes, _authType, _authData);
        var destinations = _mux.DestinationBytes;
        for (int i = 0; i < destinations.Length; i++)
        {
            try
            {
                int length = VrrpCodec.Write(_buffers[i], message, _mux.LocalAddressBytes, destinations[i], _checksumMode);
                if (_auth is not null)
                {
                    length = Sign(i, length, destinations[i]);
                }

                _mux.Transport.Send(_buffers[i].AsSpan(0, length), i);
                _counters.AdvertSent(priority);
            }
#pragma warning disable CA1031 // A send failure (e.g. link gone) must not kill the timer thread; it is counted and logged.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _counters.SendFailed();
                VrrpRouter.Log.SendFailed(_logger, _name, _vrid, i, ex);
            }
        }
    }

    /// <summary>(Re)starts the periodic advert timer: the next advert leaves one interval from now.</summary>
    public void RestartTimer() => RestartTimer(Interval);

    /// <summary>(Re)starts the periodic advert timer with its first tick <paramref name="firstTick"/> from now.</summary>
    public void RestartTimer(TimeSpan firstTick) => _advertTimer.Change(firstTick, Interval);

    private TimeSpan Interval => TimeSpan.FromTicks(_intervalCs * TimeSpan.TicksPerMillisecond * 10);

    /// <summary>Stops the periodic advert timer.</summary>
    public void StopTimer() => _advertTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    /// <summary>Calls the router back <see cref="HandoverLead"/> from now (replacing a lead still pending).</summary>
    public void StartHandoverLead()
    {
        _leadTimer?.Dispose();
        _leadTimer = _time.CreateTimer(static s => ((Action)s!)(), _onLeadElapsed, HandoverLead, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The hand-back lead has elapsed (called from its callback, under the router's lock).</summary>
    public void EndHandoverLead()
    {
        _leadTimer?.Dispose();
        _leadTimer = null;
    }

    /// <summary>A reload changed the interval or the VIPs: the next advert says so (buffers are resized when needed).</summary>
    public void Reconfigure(ushort intervalCs, byte[] vipBytes)
    {
        _intervalCs = intervalCs;
        if (!ReferenceEquals(vipBytes, _vipBytes))
        {
            _vipBytes = vipBytes;
            _buffers = CreateBuffers();
        }
    }

    /// <summary>Stops both timers for good.</summary>
    public void Dispose()
    {
        _advertTimer.Dispose();
        EndHandoverLead();
    }

    /// <summary>
    /// Signs the advert in buffer <paramref name="index"/> once per logical advert (destination 0); the copies for other
    /// destinations carry the same trailer, as keepalived's do (the HMAC covers neither destination nor checksum).
    /// IPv6: the checksum then covers the trailer too, as the kernel computes it (IPV6_CHECKSUM).
    /// </summary>
    private int Sign(int index, int messageLength, ReadOnlySpan<byte> destination)
    {
        var buffer = _buffers[index];
        int length;
        if (index == 0)
        {
            length = _auth!.Sign(buffer, messageLength, _mux.LocalAddressBytes);
        }
        else
        {
            length = messageLength + _auth!.TrailerLength;
            _buffers[0].AsSpan(messageLength, _auth.TrailerLength).CopyTo(buffer.AsSpan(messageLength));
        }

        if (_isIPv6 && length != messageLength)
        {
            var packet = buffer.AsSpan(0, length);
            BinaryPrimitives.WriteUInt16BigEndian(packet[6..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(packet[6..], VrrpCodec.ComputePseudoHeaderChecksum(packet, _mux.LocalAddressBytes, destination, ipv6: true));
        }

        return length;
    }

    private byte[][] CreateBuffers()
    {
        var sample = new VrrpMessage(_version, _vrid, 0, _intervalCs, _isIPv6, _vipBytes, _authType, _authData);
        int length = VrrpCodec.GetEncodedLength(sample) + (_auth?.TrailerLength ?? 0);
        var buffers = new byte[_mux.DestinationBytes.Length][];
        for (int i = 0; i < buffers.Length; i++)
        {
            buffers[i] = new byte[length];
        }

        return buffers;
    }
}
