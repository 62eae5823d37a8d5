using VirtualIp.Addressing;
using VirtualIp.Linux;

namespace VirtualIp.Examples.Tests.Snippets;

/// <summary>The C# of src/VirtualIp.Linux/README.md, compiled here (running it needs CAP_NET_ADMIN and an eth0).</summary>
internal static class LinuxReadmeSnippets
{
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static async Task BindAndSend()
    {
        #region snippet
        var binder = LinuxDataPlane.CreateBinder();                 // rtnetlink, no `ip` processes
        await binder.AddAsync("eth0", VipAddress.Parse("192.0.2.100/24"));
        using var sender = LinuxDataPlane.CreateFrameSender("eth0"); // AF_PACKET; useLibPcap: true for SharpPcap
        #endregion
    }
}
