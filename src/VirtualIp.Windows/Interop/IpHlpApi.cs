using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace VirtualIp.Windows.Interop;

/// <summary>
/// Hand-written IP Helper API declarations (CsWin32 is not available to this build). The x64 layouts are
/// checked by tests against the sizes and offsets of the Windows SDK headers.
/// </summary>
internal static unsafe partial class IpHlpApi
{
    private const string Lib = "iphlpapi.dll";

    public const ushort AF_UNSPEC = 0;
    public const ushort AF_INET = 2;
    public const ushort AF_INET6 = 23;

    public const int NO_ERROR = 0;
    public const int ERROR_FILE_NOT_FOUND = 2;
    public const int ERROR_ACCESS_DENIED = 5;
    public const int ERROR_INVALID_PARAMETER = 87;
    public const int ERROR_NOT_FOUND = 1168;
    public const int ERROR_OBJECT_ALREADY_EXISTS = 5010;

    public const int IpPrefixOriginManual = 1;
    public const int IpSuffixOriginManual = 1;
    public const int IpDadStatePreferred = 4;
    public const uint InfiniteLifetime = 0xFFFFFFFF;

    [SupportedOSPlatform("windows")]
    [LibraryImport(Lib)]
    public static partial void InitializeUnicastIpAddressEntry(MIB_UNICASTIPADDRESS_ROW* row);

    [SupportedOSPlatform("windows")]
    [LibraryImport(Lib)]
    public static partial int CreateUnicastIpAddressEntry(MIB_UNICASTIPADDRESS_ROW* row);

    [SupportedOSPlatform("windows")]
    [LibraryImport(Lib)]
    public static partial int DeleteUnicastIpAddressEntry(MIB_UNICASTIPADDRESS_ROW* row);

    [SupportedOSPlatform("windows")]
    [LibraryImport(Lib)]
    public static partial int GetUnicastIpAddressTable(ushort family, MIB_UNICASTIPADDRESS_TABLE** table);

    [SupportedOSPlatform("windows")]
    [LibraryImport(Lib)]
    public static partial void FreeMibTable(void* memory);

    [SupportedOSPlatform("windows")]
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf16)]
    public static partial int ConvertInterfaceAliasToLuid(string alias, ulong* luid);

    [SupportedOSPlatform("windows")]
    [LibraryImport(Lib)]
    public static partial int ConvertInterfaceLuidToIndex(ulong* luid, uint* index);

    [SupportedOSPlatform("windows")]
    [LibraryImport(Lib)]
    public static partial int GetIfEntry2(MIB_IF_ROW2* row);

    [SupportedOSPlatform("windows")]
    [LibraryImport(Lib)]
    public static partial int NotifyUnicastIpAddressChange(ushort family, delegate* unmanaged<void*, MIB_UNICASTIPADDRESS_ROW*, int, void> callback,
        void* context, byte initialNotification, nint* handle);

    [SupportedOSPlatform("windows")]
    [LibraryImport(Lib)]
    public static partial int NotifyIpInterfaceChange(ushort family, delegate* unmanaged<void*, MIB_IPINTERFACE_ROW*, int, void> callback,
        void* context, byte initialNotification, nint* handle);

    [SupportedOSPlatform("windows")]
    [LibraryImport(Lib)]
    public static partial int CancelMibChangeNotify2(nint handle);

    [SupportedOSPlatform("windows")]
    [LibraryImport(Lib)]
    public static partial int GetIfTable2(MIB_IF_TABLE2** table);

    [SupportedOSPlatform("windows")]
    [LibraryImport(Lib)]
    public static partial int GetUnicastIpAddressEntry(MIB_UNICASTIPADDRESS_ROW* row);
}

/// <summary>MIB_IPINTERFACE_ROW (168 bytes on x64); a change notification fills only the family, LUID and index.</summary>
[StructLayout(LayoutKind.Explicit, Size = 168)]
internal struct MIB_IPINTERFACE_ROW
{
    [FieldOffset(0)] public ushort Family;
    [FieldOffset(8)] public ulong InterfaceLuid;
    [FieldOffset(16)] public uint InterfaceIndex;
    [FieldOffset(156)] public byte Connected;
}

/// <summary>MIB_IF_TABLE2 header; rows (<see cref="MIB_IF_ROW2"/>) follow at offset 8.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MIB_IF_TABLE2
{
    public uint NumEntries;
    public MIB_IF_ROW2 Table; // first of NumEntries rows
}

/// <summary>SOCKADDR_INET: a union of SOCKADDR_IN and SOCKADDR_IN6 (28 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 28)]
internal unsafe struct SOCKADDR_INET
{
    [FieldOffset(0)] public ushort si_family;
    [FieldOffset(2)] public ushort port;
    [FieldOffset(4)] public uint Ipv4;
    [FieldOffset(4)] public uint flowinfo;
    [FieldOffset(8)] public fixed byte Ipv6[16];
    [FieldOffset(24)] public uint scope_id;
}

/// <summary>MIB_UNICASTIPADDRESS_ROW (80 bytes on x64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MIB_UNICASTIPADDRESS_ROW
{
    public SOCKADDR_INET Address;
    public ulong InterfaceLuid;
    public uint InterfaceIndex;
    public int PrefixOrigin;
    public int SuffixOrigin;
    public uint ValidLifetime;
    public uint PreferredLifetime;
    public byte OnLinkPrefixLength;
    public byte SkipAsSource;
    public int DadState;
    public uint ScopeId;
    public long CreationTimeStamp;
}

/// <summary>MIB_UNICASTIPADDRESS_TABLE header; rows follow at offset 8.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MIB_UNICASTIPADDRESS_TABLE
{
    public uint NumEntries;
    public MIB_UNICASTIPADDRESS_ROW Table; // first of NumEntries rows
}

/// <summary>MIB_IF_ROW2 (1352 bytes on x64); only the fields VirtualIp reads are named.</summary>
[StructLayout(LayoutKind.Explicit, Size = 1352)]
internal unsafe struct MIB_IF_ROW2
{
    [FieldOffset(0)] public ulong InterfaceLuid;
    [FieldOffset(8)] public uint InterfaceIndex;
    [FieldOffset(28)] public fixed char Alias[257];
    [FieldOffset(542)] public fixed char Description[257];
    [FieldOffset(1056)] public uint PhysicalAddressLength;
    [FieldOffset(1060)] public fixed byte PhysicalAddress[32];
    [FieldOffset(1124)] public uint Mtu;
    [FieldOffset(1128)] public uint Type;
    [FieldOffset(1156)] public int OperStatus;
    [FieldOffset(1160)] public int AdminStatus;
    [FieldOffset(1164)] public int MediaConnectState;
}
