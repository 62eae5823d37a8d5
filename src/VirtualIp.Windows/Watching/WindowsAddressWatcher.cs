using System.Net;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Binding;
using VirtualIp.Windows.Interop;

namespace VirtualIp.Windows.Watching;

/// <summary>
/// <see cref="IAddressWatcher"/> over the IP Helper change notifications: <c>NotifyUnicastIpAddressChange</c> (addresses
/// added or deleted by anyone) and <c>NotifyIpInterfaceChange</c> (links; the state is read with <c>GetIfEntry2</c>).
/// Same contract as the Linux netlink watcher (see <see cref="AddressChangeTranslator"/>), so <c>TrackInterface</c> and
/// <c>RestoreDeletedVips</c> work on Windows. Notifications arrive on OS threads and are serialized here.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed unsafe partial class WindowsAddressWatcher : IAddressWatcher
{
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly AddressChangeTranslator _translator = new();
    private GCHandle _self;
    private nint _addressHandle;
    private nint _interfaceHandle;
    private bool _started;
    private bool _disposed;

    public WindowsAddressWatcher(ILogger<WindowsAddressWatcher>? logger = null) => _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <inheritdoc />
    public event EventHandler<AddressChangedEventArgs>? Changed;

    /// <inheritdoc />
    public ValueTask StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                return ValueTask.CompletedTask;
            }

            _translator.Seed(ListLinks());
            _translator.SeedAddresses(ListAddresses());
            _self = GCHandle.Alloc(this);
            nint h;
            int rc = IpHlpApi.NotifyUnicastIpAddressChange(IpHlpApi.AF_UNSPEC, &OnAddressChange, (void*)GCHandle.ToIntPtr(_self), 0, &h);
            if (rc != IpHlpApi.NO_ERROR)
            {
                _self.Free();
                throw Error("NotifyUnicastIpAddressChange", rc);
            }

            _addressHandle = h;
            rc = IpHlpApi.NotifyIpInterfaceChange(IpHlpApi.AF_UNSPEC, &OnInterfaceChange, (void*)GCHandle.ToIntPtr(_self), 0, &h);
            if (rc != IpHlpApi.NO_ERROR)
            {
                _ = IpHlpApi.CancelMibChangeNotify2(_addressHandle);
                _addressHandle = 0;
                _self.Free();
                throw Error("NotifyIpInterfaceChange", rc);
            }

            _interfaceHandle = h;
            _started = true;
            Log.Started(_logger, _translator.LinkCount);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        nint address, iface;
        lock (_gate)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }

            _disposed = true;
            (address, iface) = (_addressHandle, _interfaceHandle);
            _addressHandle = _interfaceHandle = 0;
        }

        // CancelMibChangeNotify2 waits for running callbacks; called outside the lock they may be waiting on.
        if (address != 0)
        {
            _ = IpHlpApi.CancelMibChangeNotify2(address);
        }

        if (iface != 0)
        {
            _ = IpHlpApi.CancelMibChangeNotify2(iface);
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }

        return ValueTask.CompletedTask;
    }

    [UnmanagedCallersOnly]
    private static void OnAddressChange(void* context, MIB_UNICASTIPADDRESS_ROW* row, int type)
    {
        if (context == null || row == null || GCHandle.FromIntPtr((nint)context).Target is not WindowsAddressWatcher self)
        {
            return;
        }

        var address = AddressChangeTranslator.ToAddress(row->Address);
        int index = (int)row->InterfaceIndex;
        int prefix = row->OnLinkPrefixLength;
        if ((MibNotificationType)type == MibNotificationType.Add && prefix == 0)
        {
            var full = *row;
            if (IpHlpApi.GetUnicastIpAddressEntry(&full) == IpHlpApi.NO_ERROR)
            {
                prefix = full.OnLinkPrefixLength;
            }
        }

        self.Deliver(t => t.OnAddress((MibNotificationType)type, index, address, prefix));
    }

    [UnmanagedCallersOnly]
    private static void OnInterfaceChange(void* context, MIB_IPINTERFACE_ROW* row, int type)
    {
        if (context == null || row == null || GCHandle.FromIntPtr((nint)context).Target is not WindowsAddressWatcher self)
        {
            return;
        }

        int index = (int)row->InterfaceIndex;
        var link = ReadLink(index);
        self.Deliver(t => t.OnInterface((MibNotificationType)type, index, link));
    }

    private void Deliver(Func<AddressChangeTranslator, AddressChangedEventArgs?> translate)
    {
        AddressChangedEventArgs? e;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            e = translate(_translator);
        }

        if (e is null)
        {
            return;
        }

        Log.Change(_logger, e.Kind, e.InterfaceName, e.InterfaceIndex, e.Address);
        try
        {
            Changed?.Invoke(this, e);
        }
#pragma warning disable CA1031 // A throwing handler must not take down the OS notification thread.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.HandlerFailed(_logger, ex);
        }
    }

    private static LinkSnapshot? ReadLink(int index)
    {
        MIB_IF_ROW2 row = default;
        row.InterfaceIndex = (uint)index;
        return IpHlpApi.GetIfEntry2(&row) == IpHlpApi.NO_ERROR ? Snapshot(&row) : null;
    }

    private static LinkSnapshot Snapshot(MIB_IF_ROW2* row) =>
        new((int)row->InterfaceIndex, new string(row->Alias), AddressChangeTranslator.IsUp(row->AdminStatus, row->OperStatus));

    private static List<LinkSnapshot> ListLinks()
    {
        MIB_IF_TABLE2* table = null;
        int rc = IpHlpApi.GetIfTable2(&table);
        if (rc != IpHlpApi.NO_ERROR)
        {
            throw Error("GetIfTable2", rc);
        }

        try
        {
            var links = new List<LinkSnapshot>((int)table->NumEntries);
            var rows = &table->Table;
            for (int i = 0; i < table->NumEntries; i++)
            {
                links.Add(Snapshot(&rows[i]));
            }

            return links;
        }
        finally
        {
            IpHlpApi.FreeMibTable(table);
        }
    }

    private static List<(int, IPAddress, int)> ListAddresses()
    {
        MIB_UNICASTIPADDRESS_TABLE* table = null;
        int rc = IpHlpApi.GetUnicastIpAddressTable(IpHlpApi.AF_UNSPEC, &table);
        if (rc != IpHlpApi.NO_ERROR)
        {
            throw Error("GetUnicastIpAddressTable", rc);
        }

        try
        {
            var list = new List<(int, IPAddress, int)>((int)table->NumEntries);
            var rows = &table->Table;
            for (int i = 0; i < table->NumEntries; i++)
            {
                if (AddressChangeTranslator.ToAddress(rows[i].Address) is { } a)
                {
                    list.Add(((int)rows[i].InterfaceIndex, a, rows[i].OnLinkPrefixLength));
                }
            }

            return list;
        }
        finally
        {
            IpHlpApi.FreeMibTable(table);
        }
    }

    private static VipBindingException Error(string operation, int rc) =>
        new($"Watching address changes ({operation}) failed", rc,
            rc == IpHlpApi.ERROR_ACCESS_DENIED ? "needs an elevated process (Administrator)" : "Win32 error " + rc + "; TrackInterface and RestoreDeletedVips need the IP Helper notifications");
}
