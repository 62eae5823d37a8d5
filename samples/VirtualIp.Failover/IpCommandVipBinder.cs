using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using VirtualIp.Addressing;
using VirtualIp.Binding;

namespace VirtualIp.Failover;

/// <summary>
/// A stand-in <see cref="IVipBinder"/> that runs iproute2 (<c>ip addr add/del</c>). The SDK's rtnetlink binder lives
/// in another branch; swap it in (one line in Program.cs) once both are merged.
/// </summary>
internal sealed class IpCommandVipBinder : IVipBinder
{
    public async ValueTask<bool> AddAsync(string interfaceName, VipAddress vip, VipBindOptions? options = null, CancellationToken cancellationToken = default)
    {
        var args = new List<string> { "addr", "add", vip.ToString(), "dev", interfaceName };
        if (vip.IsIPv6 && (options?.NoDad ?? true))
        {
            args.Add("nodad");
        }

        var (code, output) = await RunAsync(args, cancellationToken).ConfigureAwait(false);
        if (code == 0)
        {
            return true;
        }

        return output.Contains("File exists", StringComparison.Ordinal)
            ? false
            : throw new VipBindingException($"ip addr add {vip} dev {interfaceName}: {output.Trim()}", code, "needs CAP_NET_ADMIN");
    }

    public async ValueTask<bool> RemoveAsync(string interfaceName, VipAddress vip, CancellationToken cancellationToken = default)
    {
        var (code, output) = await RunAsync(["addr", "del", vip.ToString(), "dev", interfaceName], cancellationToken).ConfigureAwait(false);
        if (code == 0)
        {
            return true;
        }

        return output.Contains("Cannot assign requested address", StringComparison.Ordinal)
            ? false
            : throw new VipBindingException($"ip addr del {vip} dev {interfaceName}: {output.Trim()}", code, "needs CAP_NET_ADMIN");
    }

    public ValueTask<IReadOnlyList<BoundAddress>> ListAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        var nic = Find(interfaceName);
        var index = nic.GetIPProperties().GetIPv4Properties()?.Index ?? 0;
        IReadOnlyList<BoundAddress> list = nic.GetIPProperties().UnicastAddresses
            .Select(a => new BoundAddress(a.Address, a.PrefixLength, index, null, 0, false)).ToList();
        return ValueTask.FromResult(list);
    }

    public ValueTask<IReadOnlyList<BoundAddress>> RemoveStaleAsync(string interfaceName, IReadOnlyCollection<VipAddress>? keep = null, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<BoundAddress>>([]);

    public ValueTask<InterfaceInfo> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        var nic = Find(interfaceName);
        var props = nic.GetIPProperties();
        var v4 = props.UnicastAddresses.FirstOrDefault(a => a.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)?.Address;
        var ll = props.UnicastAddresses.FirstOrDefault(a => a.Address.IsIPv6LinkLocal)?.Address;
        var hw = nic.GetPhysicalAddress().GetAddressBytes();
        var mac = hw.Length == 6 ? new MacAddress(hw) : default;
        return ValueTask.FromResult(new InterfaceInfo(nic.Name, props.GetIPv4Properties()?.Index ?? 0, mac, props.GetIPv4Properties()?.Mtu ?? 1500,
            nic.OperationalStatus == OperationalStatus.Up, v4, ll));
    }

    private static NetworkInterface Find(string name) =>
        NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == name)
        ?? throw new VipBindingException($"interface '{name}' not found", 19, $"interface '{name}' does not exist");

    private static async Task<(int Code, string Output)> RunAsync(IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new VipBindingException("could not start 'ip'");
        var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        var stdout = await p.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await p.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return (p.ExitCode, stdout + await stderr.ConfigureAwait(false));
    }
}
