using VirtualIp.Health;

namespace VirtualIp.Tests.Health.Probes;

public sealed class HealthProbesParseTests
{
    [Theory]
    [InlineData("tcp://127.0.0.1:80", "tcp://127.0.0.1:80")]
    [InlineData("tcp://[::1]:8443", "tcp://[::1]:8443")]
    [InlineData("TCP://localhost:22", "tcp://localhost:22")]
    [InlineData("http://127.0.0.1:8080/healthz", "http://127.0.0.1:8080/healthz")]
    [InlineData("https://example.invalid/ready", "https://example.invalid/ready")]
    [InlineData("icmp://127.0.0.1", "icmp://127.0.0.1")]
    [InlineData("icmp://[2001:db8::1]", "icmp://2001:db8::1")]
    [InlineData("icmp://2001:db8::1", "icmp://2001:db8::1")]
    [InlineData("exec:/usr/local/bin/check.sh --fast", "exec:/usr/local/bin/check.sh --fast")]
    [InlineData("  exec: pidof nginx ", "exec:pidof nginx")]
    public void Parses_valid_check_uris(string text, string expected)
    {
        var probe = HealthProbes.Parse(text);
        Assert.Equal(expected, probe.ToString());
        Assert.True(HealthProbes.TryParse(text, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("tcp://127.0.0.1")]
    [InlineData("tcp://127.0.0.1:0")]
    [InlineData("tcp://127.0.0.1:70000")]
    [InlineData("tcp://127.0.0.1:http")]
    [InlineData("tcp://::1:80")]
    [InlineData("tcp://[::1:80")]
    [InlineData("tcp://[nothost]:80")]
    [InlineData("tcp://:80")]
    [InlineData("tcp://host:80/path")]
    [InlineData("icmp://127.0.0.1:7")]
    [InlineData("icmp://")]
    [InlineData("http://")]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("exec:")]
    [InlineData("exec:   ")]
    [InlineData("127.0.0.1:80")]
    [InlineData("bad host name!")]
    public void Rejects_invalid_text_naming_it(string text)
    {
        var ex = Assert.Throws<FormatException>(() => HealthProbes.Parse(text));
        Assert.Contains($"'{text}'", ex.Message);
        Assert.False(HealthProbes.TryParse(text, out var probe));
        Assert.Null(probe);
    }
}
