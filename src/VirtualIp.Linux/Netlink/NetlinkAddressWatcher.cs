using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Binding;

namespace VirtualIp.Linux.Netlink;

/// <summary>
/// <see cref="IAddressWatcher"/> over an rtnetlink event socket subscribed to RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and
/// RTNLGRP_IPV6_IFADDR. The receive loop uses <c>ReceiveAsync</c> (a blocked synchronous receive on a netlink socket
/// cannot be interrupted by Dispose). On overflow (ENOBUFS) it grows the receive buffer, re-lists the links, raises
/// <see cref="AddressChangeKind.Resync"/> and keeps going.
/// </summary>
/// <remarks>The sockets are created by <see cref="StartAsync"/> in the caller's network namespace.</remarks>
internal sealed partial class NetlinkAddressWatcher : IAddressWatcher
{
    private readonly NetlinkWatcherOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, LinkState> _links = [];
    private readonly CancellationTokenSource _stop = new();
    private NetlinkSocket? _events;
    private NetlinkClient? _client;
    private Task? _loop;
    private int _bufferSize;
    private bool _disposed;

    public NetlinkAddressWatcher(NetlinkWatcherOptions? options = null, ILogger<NetlinkAddressWatcher>? logger = null)
    {
        _options = options ?? new NetlinkWatcherOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public event EventHandler<AddressChangedEventArgs>? Changed;

    /// <summary>The <see cref="Diagnostics.LinuxMetrics.WatcherRestarts"/> counter's owner; null for none.</summary>
    internal Diagnostics.LinuxMetrics? Metrics { get; init; }

    /// <summary>The number of overflows (ENOBUFS) seen so far.</summary>
    public int OverflowCount { get; private set; }

    /// <summary>The current receive buffer size requested for the event socket.</summary>
    public int ReceiveBufferSize => _bufferSize;

    /// <inheritdoc />
    public ValueTask StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_loop is not null)
            {
                return ValueTask.CompletedTask;
            }

            var events = NetlinkSocket.Open();
            try
            {
                events.Bind();
                events.JoinGroup(Nl.RTNLGRP_LINK);
                events.JoinGroup(Nl.RTNLGRP_IPV4_IFADDR);
                events.JoinGroup(Nl.RTNLGRP_IPV6_IFADDR);
                _bufferSize = _options.ReceiveBufferSize;
                SetReceiveBuffer(events.Socket, _bufferSize);
                _client = new NetlinkClient();
                RefreshLinks(raise: false);
            }
            catch
            {
                events.Dispose();
                _client?.Dispose();
                _client = null;
                throw;
            }

            _events = events;
            _loop = Task.Run(() => RunAsync(events, _stop.Token), CancellationToken.None);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Times the event loop failed unexpectedly and was restarted after a back-off.</summary>
    public int RestartCount => Volatile.Read(ref _restarts);

    /// <summary>Test hook: runs before each datagram is processed (an exception here exercises supervision).</summary>
    internal Action? BeforeProcessForTests { get; set; }

    private int _restarts;

    /// <summary>
    /// The supervised event loop: an unexpected failure is logged and counted, and after a back-off (100 ms doubling
    /// to 5 s) the loop runs again with a re-list and a <see cref="AddressChangeKind.Resync"/> (events may have been lost).
    /// Never silently dead.
    /// </summary>
    private async Task RunAsync(NetlinkSocket events, CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await RunCoreAsync(events, ct).ConfigureAwait(false);
                return;
            }
#pragma warning disable CA1031 // Supervision: whatever failed, log it, count it and restart.
            catch (Exception ex) when (!ct.IsCancellationRequested)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _restarts);
                Metrics?.WatcherRestarts.Add(1);
                Log.LoopFailed(_logger, ex);
                try
                {
                    await Task.Delay(backoff, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                try
                {
                    if (Volatile.Read(ref _disposed))
                    {
                        return;
                    }

                    RefreshLinks(raise: true);
                }
                catch (Exception refresh) when (refresh is VipBindingException or ObjectDisposedException or SocketException)
                {
                    Log.LoopFailed(_logger, refresh);
                }

                Raise(AddressChangeKind.Resync, 0, null, 0);
            }
        }
    }

    private async Task RunCoreAsync(NetlinkSocket events, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        while (!ct.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await events.Socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, ct).ConfigureAwait(false);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.NoBufferSpaceAvailable)
            {
                OnOverflow(events);
                continue;
            }
            catch (Exception ex) when (ct.IsCancellationRequested || ex is ObjectDisposedException or OperationCanceledException
                || (ex is SocketException se && se.SocketErrorCode == SocketError.OperationAborted))
            {
                return;
            }
            if (n > 0)
            {
                BeforeProcessForTests?.Invoke();
                Process(buffer.AsSpan(0, n));
            }
        }
    }

    private void Process(ReadOnlySpan<byte> datagram)
    {
        var reader = new NetlinkReader(datagram);
        while (reader.TryRead(out var m))
        {
            switch (m.Type)
            {
                case Nl.RTM_NEWADDR:
                case Nl.RTM_DELADDR:
                    if (NetlinkMessages.TryParseAddress(m.Payload, out var a, out _))
                    {
                        var kind = m.Type == Nl.RTM_NEWADDR ? AddressChangeKind.AddressAdded : AddressChangeKind.AddressRemoved;
                        Raise(kind, a!.InterfaceIndex, a.Address, a.PrefixLength);
                    }

                    break;
                case Nl.RTM_NEWLINK:
                    if (NetlinkMessages.TryParseLink(m.Payload, out var link))
                    {
                        UpdateLink(link!, raise: true);
                    }

                    break;
                case Nl.RTM_DELLINK:
                    if (NetlinkMessages.TryReadLinkIndex(m.Payload, out int index, out _) && _links.Remove(index, out var old) && old.IsUp)
                    {
                        Raise(AddressChangeKind.LinkDown, index, null, 0, old.Name);
                    }

                    break;
            }
        }

        if (reader.Error != NetlinkReadError.None)
        {
            Log.Malformed(_logger, datagram.Length, reader.Error);
        }
    }

    private void UpdateLink(LinkState link, bool raise)
    {
        bool had = _links.TryGetValue(link.Index, out var old);
        // Some RTM_NEWLINK notifications omit the name; keep the one we know.
        if (link.Name is null && had)
        {
            link = link with { Name = old!.Name };
        }

        _links[link.Index] = link;
        if (raise && (had ? old!.IsUp != link.IsUp : link.IsUp))
        {
            Raise(link.IsUp ? AddressChangeKind.LinkUp : AddressChangeKind.LinkDown, link.Index, null, 0, link.Name);
        }
    }

    private void OnOverflow(NetlinkSocket events)
    {
        OverflowCount++;
        int next = (int)Math.Min((long)_bufferSize * 2, _options.MaxReceiveBufferSize);
        if (next > _bufferSize)
        {
            _bufferSize = next;
            SetReceiveBuffer(events.Socket, next);
        }

        Log.Overflow(_logger, _bufferSize);
        try
        {
            RefreshLinks(raise: true);
        }
        catch (Exception ex) when (ex is VipBindingException or ObjectDisposedException)
        {
            Log.LoopFailed(_logger, ex);
        }

        Raise(AddressChangeKind.Resync, 0, null, 0);
    }

    private void RefreshLinks(bool raise)
    {
        var links = new List<LinkState>();
        var outcome = _client!.ListLinks(links);
        if (outcome.Errno != 0)
        {
            throw NetlinkErrors.Create("Listing links", null, outcome.Errno, outcome.ExtAck);
        }

        var seen = new HashSet<int>();
        foreach (var l in links)
        {
            seen.Add(l.Index);
            UpdateLink(l, raise);
        }

        foreach (var index in _links.Keys.Where(k => !seen.Contains(k)).ToArray())
        {
            _links.Remove(index, out var gone);
            if (raise && gone!.IsUp)
            {
                Raise(AddressChangeKind.LinkDown, index, null, 0, gone.Name);
            }
        }
    }

    private static void SetReceiveBuffer(Socket socket, int size)
    {
        // SO_RCVBUFFORCE (33) may exceed net.core.rmem_max with CAP_NET_ADMIN; fall back to SO_RCVBUF.
        Span<byte> v = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(v, size);
        try
        {
            socket.SetRawSocketOption(1, 33, v);
        }
        catch (SocketException)
        {
            socket.ReceiveBufferSize = size;
        }
    }

    private void Raise(AddressChangeKind kind, int index, IPAddress? address, int prefixLength, string? name = null)
    {
        var handler = Changed;
        if (handler is null)
        {
            return;
        }

        name ??= index != 0 && _links.TryGetValue(index, out var l) ? l.Name : null;
        try
        {
            handler(this, new AddressChangedEventArgs(kind, index, name, address, prefixLength));
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            loop = _loop;
            _stop.Cancel();
            _events?.Dispose();
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        _client?.Dispose();
        _stop.Dispose();
    }
}
