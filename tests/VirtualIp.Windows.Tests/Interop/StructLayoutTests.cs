using System.Net;
using System.Runtime.CompilerServices;
using VirtualIp.Addressing;
using VirtualIp.Windows.Binding;
using VirtualIp.Windows.Interop;

namespace VirtualIp.Windows.Tests.Interop;

/// <summary>
/// The IP Helper structs must match the Windows SDK x64 layouts (checked against mingw-w64 headers);
/// these tests run on any OS because they only measure the managed declarations.
/// </summary>
public sealed unsafe class StructLayoutTests
{
    [Fact]
    public void Sizes_match_the_windows_sdk()
    {
        Assert.Equal(28, sizeof(SOCKADDR_INET));
        Assert.Equal(80, sizeof(MIB_UNICASTIPADDRESS_ROW));
        Assert.Equal(1352, sizeof(MIB_IF_ROW2));
        Assert.Equal(88, sizeof(MIB_UNICASTIPADDRESS_TABLE));
        Assert.Equal(168, sizeof(MIB_IPINTERFACE_ROW));
        Assert.Equal(1360, sizeof(MIB_IF_TABLE2));
    }

    [Fact]
    public void Interface_row_offsets_match_the_windows_sdk()
    {
        MIB_IPINTERFACE_ROW row = default;
        byte* b = (byte*)&row;
        Assert.Equal(8, (byte*)&row.InterfaceLuid - b);
        Assert.Equal(16, (byte*)&row.InterfaceIndex - b);
        Assert.Equal(156, &row.Connected - b);
        MIB_IF_TABLE2 table = default;
        Assert.Equal(8, (byte*)&table.Table - (byte*)&table);
    }

    [Fact]
    public void Unicast_row_offsets_match_the_windows_sdk()
    {
        MIB_UNICASTIPADDRESS_ROW row = default;
        byte* b = (byte*)&row;
        Assert.Equal(32, (byte*)&row.InterfaceLuid - b);
        Assert.Equal(40, (byte*)&row.InterfaceIndex - b);
        Assert.Equal(44, (byte*)&row.PrefixOrigin - b);
        Assert.Equal(48, (byte*)&row.SuffixOrigin - b);
        Assert.Equal(52, (byte*)&row.ValidLifetime - b);
        Assert.Equal(56, (byte*)&row.PreferredLifetime - b);
        Assert.Equal(60, &row.OnLinkPrefixLength - b);
        Assert.Equal(61, &row.SkipAsSource - b);
        Assert.Equal(64, (byte*)&row.DadState - b);
        Assert.Equal(68, (byte*)&row.ScopeId - b);
        Assert.Equal(72, (byte*)&row.CreationTimeStamp - b);
    }

    [Fact]
    public void If_row_offsets_match_the_windows_sdk()
    {
        MIB_IF_ROW2 row = default;
        byte* b = (byte*)&row;
        Assert.Equal(8, (byte*)&row.InterfaceIndex - b);
        Assert.Equal(28, (byte*)row.Alias - b);
        Assert.Equal(542, (byte*)row.Description - b);
        Assert.Equal(1056, (byte*)&row.PhysicalAddressLength - b);
        Assert.Equal(1060, row.PhysicalAddress - b);
        Assert.Equal(1124, (byte*)&row.Mtu - b);
        Assert.Equal(1156, (byte*)&row.OperStatus - b);
        Assert.Equal(1164, (byte*)&row.MediaConnectState - b);
    }

    [Theory]
    [InlineData("192.0.2.100")]
    [InlineData("2001:db8::100")]
    public void Socket_addresses_round_trip(string text)
    {
        var address = IPAddress.Parse(text);
        SOCKADDR_INET sa = default;
        IpHelperMarshal.WriteAddress(ref sa, address);
        Assert.Equal(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? IpHlpApi.AF_INET : IpHlpApi.AF_INET6, sa.si_family);
        Assert.Equal(address, IpHelperMarshal.ReadAddress(sa));
    }

    [Fact]
    public void Ipv4_is_stored_in_network_order()
    {
        SOCKADDR_INET sa = default;
        IpHelperMarshal.WriteAddress(ref sa, IPAddress.Parse("192.0.2.1"));
        byte* p = (byte*)&sa + 4;
        Assert.Equal(new byte[] { 192, 0, 2, 1 }, new ReadOnlySpan<byte>(p, 4).ToArray());
    }

    [Fact]
    public void Win32_errors_become_typed_exceptions_with_hints()
    {
        var denied = Assert.Throws<VirtualIp.Binding.VipBindingException>(() => IpHelperMarshal.ThrowOnError(IpHlpApi.ERROR_ACCESS_DENIED, "Adding 192.0.2.1/24", "Ethernet"));
        Assert.Equal(5, denied.ErrorCode);
        Assert.Contains("Administrator", denied.Message);
        var missing = Assert.Throws<VirtualIp.Binding.VipBindingException>(() => IpHelperMarshal.ThrowOnError(IpHlpApi.ERROR_NOT_FOUND, "Adding", "Ethernet 9"));
        Assert.Contains("'Ethernet 9' does not exist", missing.Message);
        IpHelperMarshal.ThrowOnError(IpHlpApi.NO_ERROR, "noop", "x");
    }

    [Fact]
    public void Ownership_ledger_records_and_forgets_addresses()
    {
        var path = Path.Combine(Path.GetTempPath(), "vip-ledger-" + Guid.NewGuid().ToString("N"), "owned.txt");
        try
        {
            var ledger = new OwnershipLedger(path);
            var vip = VipAddress.Parse("192.0.2.100/24");
            ledger.Add("Ethernet", vip);
            ledger.Add("Ethernet", vip);
            ledger.Add("Ethernet 2", VipAddress.Parse("2001:db8::100/64"));
            Assert.Equal(2, new OwnershipLedger(path).Read().Count);
            ledger.Remove("Ethernet", vip);
            Assert.Equal(("Ethernet 2", VipAddress.Parse("2001:db8::100/64")), Assert.Single(ledger.Read()));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
