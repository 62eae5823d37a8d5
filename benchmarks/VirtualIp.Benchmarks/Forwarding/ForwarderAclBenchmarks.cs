using System.Net;
using BenchmarkDotNet.Attributes;
using VirtualIp.Balancing;

namespace VirtualIp.Benchmarks.Forwarding;

/// <summary>Per-connection source ACL check (10 allow and 10 deny CIDRs).</summary>
[MemoryDiagnoser]
public class ForwarderAclBenchmarks
{
    private readonly IPAddress _v4 = IPAddress.Parse("198.51.100.77");
    private readonly IPAddress _v6 = IPAddress.Parse("2001:db8:5::77");
    private SourceAcl _acl = null!;

    [GlobalSetup]
    public void Setup()
    {
        var allow = Enumerable.Range(0, 9).Select(i => $"203.0.{i}.0/24").Append("198.51.100.0/24").Append("2001:db8::/32");
        var deny = Enumerable.Range(0, 10).Select(i => $"192.0.2.{i * 16}/28");
        _acl = new SourceAcl(allow, deny);
    }

    [Benchmark]
    public bool IsAllowedV4() => _acl.IsAllowed(_v4);

    [Benchmark]
    public bool IsAllowedV6() => _acl.IsAllowed(_v6);
}
