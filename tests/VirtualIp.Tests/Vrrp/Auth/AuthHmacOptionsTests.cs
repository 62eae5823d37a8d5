using Microsoft.Extensions.Configuration;
using VirtualIp.Hosting;
using VirtualIp.Tests.Vrrp.StateMachine;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Vrrp.Auth;

/// <summary><c>Routers:N:AuthHmac</c>: read from configuration, every invalid value refused at start with its key named (never the secret).</summary>
public sealed class AuthHmacOptionsTests
{
    private const string R = "VirtualIp:Routers:0:";
    private static readonly string s_hex32 = Convert.ToHexString(KeepalivedHmacVectorTests.Key1);

    private static (VirtualIpOptions Options, List<string> Errors) Read(Dictionary<string, string?> extra)
    {
        var config = new Dictionary<string, string?>
        {
            [R + "Name"] = "web",
            [R + "Interface"] = "eth0",
            [R + "VirtualRouterId"] = "51",
            [R + "Vips:0"] = "192.0.2.100/24",
        };
        foreach (var (k, v) in extra)
        {
            config[k] = v;
        }

        var section = new ConfigurationBuilder().AddInMemoryCollection(config).Build().GetSection("VirtualIp");
        var options = new VirtualIpOptions();
        VirtualIpConfigurationReader.Read(section, options);
        var errors = new List<string>(options.ReadErrors);
        foreach (var router in options.Routers)
        {
            errors.AddRange(VrrpRouterOptionsValidator.Validate(router, "VirtualIp:Routers:0"));
        }

        return (options, errors);
    }

    [Fact]
    public void A_complete_section_is_read()
    {
        string file = KeyFile("vrrp-hmac-test-key-two-0123456789abcdef\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var (options, errors) = Read(new()
        {
            [R + "AuthHmac:Keys:0"] = "1:hex:" + s_hex32,
            [R + "AuthHmac:Keys:1"] = "2:file:" + file,
            [R + "AuthHmac:Keys:2"] = "3:" + new string('k', 40),
            [R + "AuthHmac:ActiveKey"] = "2",
            [R + "AuthHmac:Mode"] = "receive-only",
            [R + "AuthHmac:AntiReplay"] = "monotonic",
            [R + "AuthHmac:TimeWindow"] = "10s",
        });
        Assert.Empty(errors);
        var a = options.Routers[0].AuthHmac!;
        Assert.Equal(3, a.Keys.Count);
        Assert.Equal(2, a.ActiveKey);
        Assert.Equal(VrrpAuthHmacMode.ReceiveOnly, a.Mode);
        Assert.Equal(VrrpAntiReplay.Monotonic, a.AntiReplay);
        Assert.Equal(TimeSpan.FromSeconds(10), a.TimeWindow);
        Assert.Null(Read([]).Options.Routers[0].AuthHmac);
    }

    [Fact]
    public void Defaults_are_keepalived_defaults()
    {
        var o = new VrrpAuthHmacOptions();
        Assert.Equal(VrrpAuthHmacMode.Enforce, o.Mode);
        Assert.Equal(VrrpAntiReplay.Time, o.AntiReplay);
        Assert.Null(o.TimeWindow);
        Assert.Equal(5, VrrpAuthHmacOptionsValidator.WindowSeconds(o, TimeSpan.FromMilliseconds(100)));
        Assert.Equal(5, VrrpAuthHmacOptionsValidator.WindowSeconds(o, TimeSpan.FromSeconds(1)));
        Assert.Equal(9, VrrpAuthHmacOptionsValidator.WindowSeconds(o, TimeSpan.FromSeconds(3)));
        Assert.Equal(300, VrrpAuthHmacOptionsValidator.WindowSeconds(o, TimeSpan.FromSeconds(255)));
    }

    [Theory]
    [InlineData("Keys:0", "0:hex:00", "VirtualIp:Routers:0:AuthHmac:Keys:0: key id '0' is not a number 1..255")]
    [InlineData("Keys:0", "256:abc", "VirtualIp:Routers:0:AuthHmac:Keys:0: key id '256' is not a number 1..255")]
    [InlineData("Keys:0", "nokey", "VirtualIp:Routers:0:AuthHmac:Keys:0 is not ID:hex:HEX, ID:file:PATH or ID:TEXT")]
    [InlineData("Keys:0", "1:hex:0g", "VirtualIp:Routers:0:AuthHmac:Keys:0: key 1 after 'hex:' is not an even number of hex digits")]
    [InlineData("Keys:0", "1:hex:0001", "VirtualIp:Routers:0:AuthHmac:Keys:0: key 1 is 2 bytes; it must be 32 to 64 bytes")]
    [InlineData("Keys:0", "1:short-secret", "VirtualIp:Routers:0:AuthHmac:Keys:0: key 1 is 12 bytes; it must be 32 to 64 bytes")]
    [InlineData("Keys:0", "1:file:/nonexistent/vrrp-key", "VirtualIp:Routers:0:AuthHmac:Keys:0: key file '/nonexistent/vrrp-key' does not exist")]
    [InlineData("ActiveKey", "7", "VirtualIp:Routers:0:AuthHmac:ActiveKey = 7 is not one of the key ids")]
    [InlineData("ActiveKey", "0", "VirtualIp:Routers:0:AuthHmac:ActiveKey = 0 is out of range 1..255")]
    [InlineData("Mode", "strict", "VirtualIp:Routers:0:AuthHmac:Mode = 'strict' is not one of")]
    [InlineData("AntiReplay", "never", "VirtualIp:Routers:0:AuthHmac:AntiReplay = 'never' is not one of")]
    [InlineData("TimeWindow", "500ms", "VirtualIp:Routers:0:AuthHmac:TimeWindow = 00:00:00.5000000 must be whole seconds 1..300")]
    [InlineData("TimeWindow", "301s", "VirtualIp:Routers:0:AuthHmac:TimeWindow = 00:05:01 must be whole seconds 1..300")]
    public void Invalid_values_are_named(string key, string value, string expected)
    {
        var config = new Dictionary<string, string?> { [R + "AuthHmac:Keys:0"] = "1:hex:" + s_hex32, [R + "AuthHmac:ActiveKey"] = "1" };
        config[R + "AuthHmac:" + key] = value;
        var errors = Read(config).Errors;
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("short-secret", StringComparison.Ordinal)); // the secret is never echoed
    }

    [Fact]
    public void Duplicate_ids_and_a_password_alongside_are_refused()
    {
        var errors = Read(new()
        {
            [R + "Version"] = "2",
            [R + "AuthPassword"] = "secret",
            [R + "AuthHmac:Keys:0"] = "1:hex:" + s_hex32,
            [R + "AuthHmac:Keys:1"] = "1:" + new string('x', 32),
            [R + "AuthHmac:ActiveKey"] = "1",
        }).Errors;
        Assert.Contains(errors, e => e.Contains("VirtualIp:Routers:0:AuthHmac:Keys:1: key id 1 is defined twice", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("VirtualIp:Routers:0:AuthPassword and VirtualIp:Routers:0:AuthHmac cannot be combined", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, "640")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead, "604")]
    public void A_key_file_readable_by_others_is_refused_with_its_path(UnixFileMode mode, string octal)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        string file = KeyFile("hex:" + s_hex32 + "\n", mode);
        var errors = Read(new() { [R + "AuthHmac:Keys:0"] = "4:file:" + file, [R + "AuthHmac:ActiveKey"] = "4" }).Errors;
        Assert.Contains(errors, e => e.Contains($"VirtualIp:Routers:0:AuthHmac:Keys:0: key file '{file}' is accessible by group or others (mode {octal})", StringComparison.Ordinal));
    }

    [Fact]
    public void Router_construction_refuses_invalid_auth_with_the_key_named()
    {
        var o = Sim.Options("r", 100, o => o.AuthHmac = new VrrpAuthHmacOptions { Keys = ["1:too-short"], ActiveKey = 1 });
        var errors = VrrpRouterOptionsValidator.Validate(o, "VrrpRouterOptions 'r'");
        Assert.Contains(errors, e => e.StartsWith("VrrpRouterOptions 'r':AuthHmac:Keys:0: key 1 is 9 bytes", StringComparison.Ordinal));
    }

    private static string KeyFile(string content, UnixFileMode mode)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("vrrp-key-").FullName, "key");
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }

        return path;
    }
}
