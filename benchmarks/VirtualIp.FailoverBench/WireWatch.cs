using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace VirtualIp.FailoverBench;

/// <summary>A frame of interest: a gratuitous ARP for the VIP or a VRRP advert, with the kernel's capture time.</summary>
internal readonly record struct WireEvent(DateTime At, string SourceMac, bool IsGarp, string? VrrpSource, int VrrpPriority);

/// <summary>
/// tcpdump (immediate mode, line-buffered, epoch timestamps) on the client's eth0, keeping gratuitous ARPs for the VIP
/// and VRRP adverts. The same clock (CLOCK_REALTIME) as the daemons' timestamps.
/// </summary>
internal sealed partial class WireWatch : IDisposable
{
    private readonly Process _process;
    private readonly List<WireEvent> _events = [];
    private readonly string _vip;

    private WireWatch(Process process, string vip)
    {
        _process = process;
        _vip = vip;
    }

    public static WireWatch Start(string ns, string vip)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", ns, "tcpdump", "-i", "eth0", "--immediate-mode", "-l", "-n", "-e", "-tt", "arp or ip proto 112" })
        {
            psi.ArgumentList.Add(a);
        }

        var p = new Process { StartInfo = psi };
        var watch = new WireWatch(p, vip);
        var listening = new ManualResetEventSlim();
        p.OutputDataReceived += (_, e) => watch.Parse(e.Data);
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("listening on", StringComparison.Ordinal) == true)
            {
                listening.Set();
            }
        };
        p.Start();
        Cleanup.Register(watch.Dispose);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!listening.Wait(TimeSpan.FromSeconds(15)))
        {
            watch.Dispose();
            throw new InvalidOperationException("tcpdump did not start listening in the client namespace");
        }

        return watch;
    }

    private void Parse(string? line)
    {
        if (line is null)
        {
            return;
        }

        var m = Frame().Match(line);
        if (!m.Success)
        {
            return;
        }

        var at = DateTime.UnixEpoch.AddTicks((long)(decimal.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * TimeSpan.TicksPerSecond));
        string mac = m.Groups[2].Value;
        string rest = m.Groups[3].Value;
        WireEvent? ev = null;
        if (rest.Contains("ethertype ARP", StringComparison.Ordinal)
            && (rest.Contains($"tell {_vip},", StringComparison.Ordinal) || rest.Contains($"Reply {_vip} is-at", StringComparison.Ordinal)))
        {
            ev = new WireEvent(at, mac, true, null, 0);
        }
        else if (Vrrp().Match(rest) is { Success: true } v)
        {
            ev = new WireEvent(at, mac, false, v.Groups[1].Value, int.Parse(v.Groups[2].Value, CultureInfo.InvariantCulture));
        }

        if (ev is { } e)
        {
            lock (_events)
            {
                _events.Add(e);
            }
        }
    }

    public WireEvent[] Since(DateTime from)
    {
        lock (_events)
        {
            return [.. _events.Where(e => e.At >= from)];
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    [GeneratedRegex(@"^(\d+\.\d+) ([0-9a-f:]{17}) > (.*)$")]
    private static partial Regex Frame();

    [GeneratedRegex(@": (\S+) > \S+: VRRPv\d, Advertisement, vrid \d+, prio (\d+)")]
    private static partial Regex Vrrp();
}
