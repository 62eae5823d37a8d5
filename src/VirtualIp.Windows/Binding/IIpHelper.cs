using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using VirtualIp.Windows.Interop;

namespace VirtualIp.Windows.Binding;

/// <summary>
/// The IP Helper calls <see cref="IpHelperVipBinder"/> makes: the seam between the binder's logic (row filling,
/// error mapping, ownership, stale removal) and the OS. <see cref="IpHelperNative"/> is the real one; tests put a
/// fake behind it and run the binder's logic on any OS.
/// </summary>
internal interface IIpHelper
{
    /// <summary>ConvertInterfaceAliasToLuid: a Win32 error code.</summary>
    int ConvertInterfaceAliasToLuid(string alias, out ulong luid);

    /// <summary>ConvertInterfaceLuidToIndex: a Win32 error code.</summary>
    int ConvertInterfaceLuidToIndex(ulong luid, out uint index);

    /// <summary>InitializeUnicastIpAddressEntry: the OS defaults for a new row.</summary>
    void InitializeUnicastIpAddressEntry(out MIB_UNICASTIPADDRESS_ROW row);

    /// <summary>CreateUnicastIpAddressEntry: a Win32 error code.</summary>
    int CreateUnicastIpAddressEntry(in MIB_UNICASTIPADDRESS_ROW row);

    /// <summary>DeleteUnicastIpAddressEntry: a Win32 error code.</summary>
    int DeleteUnicastIpAddressEntry(in MIB_UNICASTIPADDRESS_ROW row);

    /// <summary>GetUnicastIpAddressTable (AF_UNSPEC), copied out and freed: a Win32 error code.</summary>
    int GetUnicastIpAddressRows(out MIB_UNICASTIPADDRESS_ROW[] rows);

    /// <summary>GetIfEntry2 for the row's InterfaceLuid: a Win32 error code.</summary>
    int GetIfEntry2(ref MIB_IF_ROW2 row);

    /// <summary>The interface's first IPv4 and first IPv6 link-local address (System.Net.NetworkInformation).</summary>
    (IPAddress? IPv4, IPAddress? LinkLocal) GetInterfaceAddresses(string interfaceName);
}

/// <summary>The real IP Helper API (iphlpapi.dll): each call forwards to its one P/Invoke in <see cref="IpHlpApi"/>.</summary>
[SupportedOSPlatform("windows")]
internal sealed unsafe class IpHelperNative : IIpHelper
{
    public static readonly IpHelperNative Instance = new();

    public int ConvertInterfaceAliasToLuid(string alias, out ulong luid)
    {
        ulong l;
        int rc = IpHlpApi.ConvertInterfaceAliasToLuid(alias, &l);
        luid = l;
        return rc;
    }

    public int ConvertInterfaceLuidToIndex(ulong luid, out uint index)
    {
        uint i;
        int rc = IpHlpApi.ConvertInterfaceLuidToIndex(&luid, &i);
        index = i;
        return rc;
    }

    public void InitializeUnicastIpAddressEntry(out MIB_UNICASTIPADDRESS_ROW row)
    {
        MIB_UNICASTIPADDRESS_ROW r;
        IpHlpApi.InitializeUnicastIpAddressEntry(&r);
        row = r;
    }

    public int CreateUnicastIpAddressEntry(in MIB_UNICASTIPADDRESS_ROW row)
    {
        var copy = row;
        return IpHlpApi.CreateUnicastIpAddressEntry(&copy);
    }

    public int DeleteUnicastIpAddressEntry(in MIB_UNICASTIPADDRESS_ROW row)
    {
        var copy = row;
        return IpHlpApi.DeleteUnicastIpAddressEntry(&copy);
    }

    public int GetUnicastIpAddressRows(out MIB_UNICASTIPADDRESS_ROW[] rows)
    {
        MIB_UNICASTIPADDRESS_TABLE* table = null;
        int rc = IpHlpApi.GetUnicastIpAddressTable(IpHlpApi.AF_UNSPEC, &table);
        if (rc != IpHlpApi.NO_ERROR)
        {
            rows = [];
            return rc;
        }

        try
        {
            rows = new ReadOnlySpan<MIB_UNICASTIPADDRESS_ROW>(&table->Table, (int)table->NumEntries).ToArray();
            return rc;
        }
        finally
        {
            IpHlpApi.FreeMibTable(table);
        }
    }

    public int GetIfEntry2(ref MIB_IF_ROW2 row)
    {
        fixed (MIB_IF_ROW2* p = &row)
        {
            return IpHlpApi.GetIfEntry2(p);
        }
    }

    public (IPAddress? IPv4, IPAddress? LinkLocal) GetInterfaceAddresses(string interfaceName)
    {
        IPAddress? v4 = null, ll = null;
        foreach (var ni in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
        {
            if (ni.Name != interfaceName)
            {
                continue;
            }

            foreach (var ua in ni.GetIPProperties().UnicastAddresses)
            {
                if (v4 is null && ua.Address.AddressFamily == AddressFamily.InterNetwork)
                {
                    v4 = ua.Address;
                }
                else if (ll is null && ua.Address.IsIPv6LinkLocal)
                {
                    ll = ua.Address;
                }
            }
        }

        return (v4, ll);
    }
}
