using System.Net;
using System.Runtime.Versioning;
using VirtualIp.Addressing;
using VirtualIp.Binding;
using VirtualIp.Windows.Binding;
using VirtualIp.Windows.Interop;

namespace VirtualIp.Windows.Tests.Binding;

/// <summary>
/// <see cref="IpHelperVipBinder"/>'s logic behind the <see cref="IIpHelper"/> seam, on any OS: the rows it fills,
/// the Win32 errors it maps, the ownership ledger, stale removal and the interface read. Only the P/Invoke itself
/// (<see cref="IpHelperNative"/>) is left to Windows.
/// </summary>
[SupportedOSPlatform("windows")] // the binder is Windows-only API; behind the fake it runs anywhere
public sealed class IpHelperVipBinderTests : IDisposable
{
    private readonly string _ledgerPath = Path.Combine(Path.GetTempPath(), $"vip-ledger-{Guid.NewGuid():N}.txt");
    private readonly FakeIpHelper _ip = new();

    private IpHelperVipBinder Binder() => new(new OwnershipLedger(_ledgerPath), _ip);

    public void Dispose() => File.Delete(_ledgerPath);

    [Fact]
    public async Task Add_fills_the_row_as_a_manual_skip_as_source_address_and_records_ownership()
    {
        var binder = Binder();
        Assert.True(await binder.AddAsync("Ethernet", VipAddress.Parse("192.0.2.100/24"), new VipBindOptions { NoDad = true }, TestContext.Current.CancellationToken));
        var row = Assert.Single(_ip.Rows);
        Assert.Equal(FakeIpHelper.Luid, row.InterfaceLuid);
        Assert.Equal(FakeIpHelper.Index, row.InterfaceIndex);
        Assert.Equal(IPAddress.Parse("192.0.2.100"), IpHelperMarshal.ReadAddress(row.Address));
        Assert.Equal(24, row.OnLinkPrefixLength);
        Assert.Equal(1, row.SkipAsSource);
        Assert.Equal(IpHlpApi.IpPrefixOriginManual, row.PrefixOrigin);
        Assert.Equal(IpHlpApi.InfiniteLifetime, row.ValidLifetime);
        Assert.Equal(IpHlpApi.IpDadStatePreferred, row.DadState); // NoDad: usable at once
        var listed = Assert.Single(await binder.ListAsync("Ethernet", TestContext.Current.CancellationToken));
        Assert.True(listed.IsOwned);
    }

    [Fact]
    public async Task Adding_twice_is_false_and_removing_an_absent_address_is_false()
    {
        var binder = Binder();
        var vip = VipAddress.Parse("2001:db8::100/64");
        var withDad = new VipBindOptions { NoDad = false };
        Assert.True(await binder.AddAsync("Ethernet", vip, withDad, TestContext.Current.CancellationToken));
        Assert.False(await binder.AddAsync("Ethernet", vip, withDad, TestContext.Current.CancellationToken)); // ERROR_OBJECT_ALREADY_EXISTS
        Assert.NotEqual(IpHlpApi.IpDadStatePreferred, _ip.Rows[0].DadState);                                     // DAD unless NoDad
        Assert.True(await binder.RemoveAsync("Ethernet", vip, TestContext.Current.CancellationToken));
        Assert.False(await binder.RemoveAsync("Ethernet", vip, TestContext.Current.CancellationToken));            // ERROR_NOT_FOUND
        Assert.Empty(_ip.Rows);
    }

    [Theory]
    [InlineData(5, "elevated")]           // ERROR_ACCESS_DENIED
    [InlineData(87, "prefix length")]     // ERROR_INVALID_PARAMETER
    [InlineData(1234, "Win32 error 1234")]
    public async Task Win32_errors_become_typed_exceptions_with_a_hint(int error, string hint)
    {
        _ip.CreateError = error;
        var ex = await Assert.ThrowsAsync<VipBindingException>(async () =>
            await Binder().AddAsync("Ethernet", VipAddress.Parse("192.0.2.100/24"), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(error, ex.ErrorCode);
        Assert.Contains(hint, ex.Hint, StringComparison.Ordinal);
        Assert.Contains("192.0.2.100/24", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_interface_is_named()
    {
        var ex = await Assert.ThrowsAsync<VipBindingException>(async () =>
            await Binder().AddAsync("Wi-Fi 9", VipAddress.Parse("192.0.2.100/24"), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("'Wi-Fi 9'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Get-NetAdapter", ex.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_keeps_only_the_interface_and_RemoveStale_removes_only_owned_addresses_not_kept()
    {
        var binder = Binder();
        var ct = TestContext.Current.CancellationToken;
        _ip.AddForeign(IPAddress.Parse("192.0.2.11"), 24, FakeIpHelper.Index);  // the primary address: not ours
        _ip.AddForeign(IPAddress.Parse("192.0.2.50"), 24, FakeIpHelper.Index + 1); // another interface
        await binder.AddAsync("Ethernet", VipAddress.Parse("192.0.2.100/24"), cancellationToken: ct);
        await binder.AddAsync("Ethernet", VipAddress.Parse("192.0.2.101/24"), cancellationToken: ct);

        var listed = await binder.ListAsync("Ethernet", ct);
        Assert.Equal(["192.0.2.100", "192.0.2.101", "192.0.2.11"], listed.Select(b => b.Address.ToString()).Order(StringComparer.Ordinal));
        var removed = await binder.RemoveStaleAsync("Ethernet", [VipAddress.Parse("192.0.2.101/24")], ct);
        Assert.Equal("192.0.2.100", Assert.Single(removed).Address.ToString());
        Assert.Equal(["192.0.2.101", "192.0.2.11", "192.0.2.50"], _ip.Rows.Select(r => IpHelperMarshal.ReadAddress(r.Address)!.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetInterface_reads_mac_mtu_state_and_addresses()
    {
        var info = await Binder().GetInterfaceAsync("Ethernet", TestContext.Current.CancellationToken);
        Assert.Equal((int)FakeIpHelper.Index, info.Index);
        Assert.Equal(MacAddress.Parse("02:00:00:00:00:07"), info.Mac);
        Assert.Equal(1500, info.Mtu);
        Assert.True(info.IsUp);
        Assert.Equal(IPAddress.Parse("192.0.2.11"), info.PrimaryIPv4);
        Assert.Equal(IPAddress.Parse("fe80::7"), info.IPv6LinkLocal);
    }

    /// <summary>An in-memory IP Helper with one interface, "Ethernet".</summary>
    private sealed unsafe class FakeIpHelper : IIpHelper
    {
        public const ulong Luid = 0x0006_0000_0100_0000;
        public const uint Index = 7;

        public List<MIB_UNICASTIPADDRESS_ROW> Rows { get; } = [];

        public int CreateError { get; set; }

        public void AddForeign(IPAddress address, byte prefix, uint index)
        {
            MIB_UNICASTIPADDRESS_ROW row = default;
            IpHelperMarshal.WriteAddress(ref row.Address, address);
            row.InterfaceIndex = index;
            row.OnLinkPrefixLength = prefix;
            Rows.Add(row);
        }

        public int ConvertInterfaceAliasToLuid(string alias, out ulong luid)
        {
            luid = alias == "Ethernet" ? Luid : 0;
            return alias == "Ethernet" ? 0 : 1168; // ERROR_NOT_FOUND
        }

        public int ConvertInterfaceLuidToIndex(ulong luid, out uint index)
        {
            index = luid == Luid ? Index : 0;
            return luid == Luid ? 0 : 87;
        }

        public void InitializeUnicastIpAddressEntry(out MIB_UNICASTIPADDRESS_ROW row)
        {
            row = default;
            row.DadState = 1; // tentative, as the OS would start a new address
        }

        public int CreateUnicastIpAddressEntry(in MIB_UNICASTIPADDRESS_ROW row)
        {
            if (CreateError != 0)
            {
                return CreateError;
            }

            var address = IpHelperMarshal.ReadAddress(row.Address);
            uint index = row.InterfaceIndex;
            if (Rows.Any(r => r.InterfaceIndex == index && Equals(IpHelperMarshal.ReadAddress(r.Address), address)))
            {
                return IpHlpApi.ERROR_OBJECT_ALREADY_EXISTS;
            }

            Rows.Add(row);
            return 0;
        }

        public int DeleteUnicastIpAddressEntry(in MIB_UNICASTIPADDRESS_ROW row)
        {
            var address = IpHelperMarshal.ReadAddress(row.Address);
            uint index = row.InterfaceIndex;
            return Rows.RemoveAll(r => r.InterfaceIndex == index && Equals(IpHelperMarshal.ReadAddress(r.Address), address)) > 0 ? 0 : IpHlpApi.ERROR_NOT_FOUND;
        }

        public int GetUnicastIpAddressRows(out MIB_UNICASTIPADDRESS_ROW[] rows)
        {
            rows = [.. Rows];
            return 0;
        }

        public int GetIfEntry2(ref MIB_IF_ROW2 row)
        {
            if (row.InterfaceLuid != Luid)
            {
                return 1168;
            }

            row.InterfaceIndex = Index;
            row.PhysicalAddressLength = 6;
            fixed (byte* mac = row.PhysicalAddress)
            {
                new byte[] { 2, 0, 0, 0, 0, 7 }.CopyTo(new Span<byte>(mac, 6));
            }

            row.Mtu = 1500;
            row.OperStatus = 1;
            return 0;
        }

        public (IPAddress? IPv4, IPAddress? LinkLocal) GetInterfaceAddresses(string interfaceName) =>
            (IPAddress.Parse("192.0.2.11"), IPAddress.Parse("fe80::7"));
    }
}
