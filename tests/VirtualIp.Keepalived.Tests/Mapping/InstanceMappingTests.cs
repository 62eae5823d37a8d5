using VirtualIp.Vrrp;

namespace VirtualIp.Keepalived.Tests.Mapping;

/// <summary>One test per vrrp_instance directive: what it becomes, or that it is reported with its line.</summary>
public sealed class InstanceMappingTests
{
    private static string Instance(string body, string before = "") => $$"""
        {{before}}
        vrrp_instance VI_51 {
            interface eth0
            virtual_router_id 51
        {{body}}
            virtual_ipaddress {
                192.0.2.100/24
            }
        }
        """;

    [Fact]
    public void Core_keys_map_with_keepalived_defaults()
    {
        var (result, o) = ImportAssert.Imports(Instance("    state MASTER\n    priority 150"));

        var r = Assert.Single(o.Routers);
        Assert.Equal(("VI_51", "eth0", 51, 150), (r.Name, r.Interface, r.VirtualRouterId, r.Priority));
        Assert.Equal(VrrpVersion.V2, r.Version); // keepalived's default for IPv4
        Assert.Equal(TimeSpan.FromSeconds(1), r.AdvertisementInterval);
        Assert.True(r.Preempt);
        Assert.Equal("192.0.2.100/24", r.Vips.Single().ToString());
        Assert.Empty(result.Unmapped);
    }

    [Theory]
    [InlineData("    version 3\n    advert_int 0.1", 3, 100)]
    [InlineData("    advert_int 2", 2, 2000)]
    [InlineData("    version 3\n    advert_int 0.015", 3, 20)] // v3 centiseconds
    public void Version_and_advert_int(string body, int version, int ms)
    {
        var (_, o) = ImportAssert.Imports(Instance(body));

        Assert.Equal(version == 3 ? VrrpVersion.V3 : VrrpVersion.V2, o.Routers[0].Version);
        Assert.Equal(TimeSpan.FromMilliseconds(ms), o.Routers[0].AdvertisementInterval);
    }

    [Fact]
    public void Global_vrrp_version_is_the_default_and_a_fractional_v2_interval_is_rounded_and_reported()
    {
        var (_, o3) = ImportAssert.Imports(Instance("", "global_defs {\n  vrrp_version 3\n}"));
        var (r2, o2) = ImportAssert.Imports(Instance("    advert_int 0.5"));

        Assert.Equal(VrrpVersion.V3, o3.Routers[0].Version);
        Assert.Equal(TimeSpan.FromSeconds(1), o2.Routers[0].AdvertisementInterval);
        Assert.Contains("whole seconds", ImportAssert.Unmapped(r2, 5, "advert_int").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Preempt_knobs()
    {
        var (_, no) = ImportAssert.Imports(Instance("    nopreempt"));
        var (_, delay) = ImportAssert.Imports(Instance("    preempt_delay 30"));

        Assert.False(no.Routers[0].Preempt);
        Assert.Equal(TimeSpan.FromSeconds(30), delay.Routers[0].PreemptDelay);
    }

    [Fact]
    public void Virtual_ipaddress_forms()
    {
        var (result, o) = ImportAssert.Imports(Instance("""
                virtual_ipaddress_excluded {
                    192.0.2.101
                    192.0.2.102/25 dev eth0
                    192.0.2.103/24 dev eth1
                    192.0.2.104/24 label eth0:1
                    2001:db8::1/64
                }
            """));

        Assert.Equal(["192.0.2.101/32", "192.0.2.102/25", "192.0.2.104/24", "192.0.2.100/24"], o.Routers[0].Vips.Select(v => v.ToString()));
        Assert.Contains("another interface (eth1)", ImportAssert.Unmapped(result, 8, "192.0.2.103/24").Reason, StringComparison.Ordinal);
        ImportAssert.Unmapped(result, 9, "label");
        Assert.Contains("family", ImportAssert.Unmapped(result, 10, "2001:db8::1/64").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void IPv6_runs_VRRPv3()
    {
        var (_, o) = ImportAssert.Imports("""
            vrrp_instance VI_6 {
                interface eth0
                virtual_router_id 52
                virtual_ipaddress {
                    2001:db8::100/64
                }
            }
            """);

        Assert.Equal(VrrpVersion.V3, o.Routers[0].Version);
        Assert.Equal("2001:db8::100/64", o.Routers[0].Vips[0].ToString());
    }

    [Fact]
    public void Unicast_peers()
    {
        var (result, o) = ImportAssert.Imports(Instance("""
                unicast_src_ip 192.0.2.11
                unicast_peer {
                    192.0.2.12
                    192.0.2.13 min_ttl 250
                }
            """));

        Assert.Equal(["192.0.2.12", "192.0.2.13"], o.Routers[0].UnicastPeers.Select(p => p.ToString()));
        Assert.Equal("192.0.2.11", o.Routers[0].UnicastSource?.ToString());
        Assert.DoesNotContain(result.Unmapped, u => u.Directive == "unicast_src_ip");
        ImportAssert.Unmapped(result, 8, "min_ttl");
    }

    [Fact]
    public void Pass_authentication_becomes_AuthPassword_and_AH_is_reported()
    {
        var (_, pass) = ImportAssert.Imports(Instance("    authentication {\n        auth_type PASS\n        auth_pass secret1234\n    }"));
        var (ah, _) = ImportAssert.Imports(Instance("    authentication {\n        auth_type AH\n        auth_pass secret\n    }"));
        var (v3, v3o) = ImportAssert.Imports(Instance("    version 3\n    authentication {\n        auth_type PASS\n        auth_pass secret\n    }"));

        Assert.Equal("secret12", pass.Routers[0].AuthPassword); // keepalived uses the first 8 characters
        ImportAssert.Unmapped(ah, 5, "authentication");
        Assert.Null(v3o.Routers[0].AuthPassword);
        ImportAssert.Unmapped(v3, 8, "auth_pass");
    }

    [Fact]
    public void Auth_hmac_block()
    {
        var (result, o) = ImportAssert.Imports(Instance("""
                version 3
                auth_hmac {
                    key 1 hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
                    key 2 hex:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
                    active_key 2
                    mode permissive
                    anti_replay monotonic
                    time_window 30
                }
            """));

        var h = o.Routers[0].AuthHmac!;
        Assert.Equal(2, h.Keys.Count);
        Assert.StartsWith("1:hex:0001", h.Keys[0], StringComparison.Ordinal);
        Assert.Equal(2, h.ActiveKey);
        Assert.Equal(VrrpAuthHmacMode.Permissive, h.Mode);
        Assert.Equal(VrrpAntiReplay.Monotonic, h.AntiReplay);
        Assert.Equal(TimeSpan.FromSeconds(30), h.TimeWindow);
        Assert.Empty(result.Unmapped);
    }

    [Fact]
    public void Auth_hmac_with_a_short_key_is_reported()
    {
        var (result, o) = ImportAssert.Imports(Instance("    version 3\n    auth_hmac {\n        key 1 hex:0011\n    }"));

        Assert.Null(o.Routers[0].AuthHmac);
        Assert.Contains("2 bytes", ImportAssert.Unmapped(result, 7, "key").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Track_script_and_vrrp_script_become_a_check_with_weights()
    {
        var (result, o) = ImportAssert.Imports(Instance("""
                track_script {
                    chk_app
                    chk_db weight -30
                    chk_app weight 10 reverse
                }
            """, """
            vrrp_script chk_app {
                script "/usr/local/bin/check app"
                interval 2
                timeout 1
                rise 3
                fall 2
                weight 20
            }
            vrrp_script chk_db {
                script /usr/local/bin/check_db
                init_fail
                user nobody
            }
            """));

        var app = o.Checks.Single(c => c.Check.Name == "chk_app");
        Assert.Equal("exec:/usr/local/bin/check app", app.Target);
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), 3, 2, 0.0), (app.Check.Interval, app.Check.Timeout, app.Check.Rise, app.Check.Fall, app.Check.JitterFraction));
        var db = o.Checks.Single(c => c.Check.Name == "chk_db");
        Assert.Equal((TimeSpan.FromSeconds(1), 1, 1, Health.HealthState.Down), (db.Check.Timeout, db.Check.Rise, db.Check.Fall, db.Check.InitialState));
        Assert.Equal([("chk_app", 20), ("chk_db", -30)], o.Routers[0].TrackChecks.Select(t => (t.Name, t.Weight)));
        ImportAssert.Unmapped(result, 12, "user");
        ImportAssert.Unmapped(result, 20, "chk_app");
    }

    [Fact]
    public void Track_interface_with_weights()
    {
        var (_, o) = ImportAssert.Imports(Instance("    track_interface {\n        eth1\n        eth2 weight -20\n    }"));

        Assert.Equal([("eth1", 0), ("eth2", -20)], o.Routers[0].TrackInterfaces.Select(t => (t.Name, t.Weight)));
    }

    [Fact]
    public void Notify_commands_map_when_every_instance_has_the_same()
    {
        var (_, o) = ImportAssert.Imports(Instance("""
                notify "/usr/local/bin/notify.sh"
                notify_master /usr/local/bin/master.sh
                notify_backup /usr/local/bin/backup.sh
                notify_fault /usr/local/bin/fault.sh
            """));

        Assert.Equal(("/usr/local/bin/notify.sh", "/usr/local/bin/master.sh", "/usr/local/bin/backup.sh", "/usr/local/bin/fault.sh"),
            (o.Notify.Any, o.Notify.Master, o.Notify.Backup, o.Notify.Fault));
    }

    [Fact]
    public void Notify_commands_that_differ_between_instances_are_reported()
    {
        var (result, o) = ImportAssert.Imports("""
            vrrp_instance A {
                interface eth0
                virtual_router_id 1
                notify_master /a.sh
                virtual_ipaddress {
                    192.0.2.1/24
                }
            }
            vrrp_instance B {
                interface eth0
                virtual_router_id 2
                virtual_ipaddress {
                    192.0.2.2/24
                }
            }
            """);

        Assert.Null(o.Notify.Master);
        ImportAssert.Unmapped(result, 4, "notify_master");
    }

    [Fact]
    public void Garp_knobs_become_Announcements()
    {
        var (result, o) = ImportAssert.Imports(Instance("""
                garp_master_delay 3
                garp_master_repeat 2
                garp_master_refresh 60
                garp_master_refresh_repeat 4
                garp_interval 0.01
                garp_lower_prio_repeat 5
            """));

        var a = o.Announcements;
        Assert.Equal((TimeSpan.FromSeconds(3), 2, (TimeSpan?)TimeSpan.FromSeconds(60), 4, TimeSpan.FromMilliseconds(10)),
            (a.SecondBurstDelay, a.BurstCount, a.RefreshInterval, a.RefreshCount, a.FrameSpacing));
        ImportAssert.Unmapped(result, 10, "garp_lower_prio_repeat");
    }

    [Fact]
    public void Sync_group_sets_SyncGroup_on_its_members()
    {
        var (result, o) = ImportAssert.Imports("""
            vrrp_sync_group G1 {
                group {
                    A
                    B
                    C
                }
                notify_master /g.sh
            }
            vrrp_instance A {
                interface eth0
                virtual_router_id 1
                virtual_ipaddress {
                    192.0.2.1/24
                }
            }
            vrrp_instance B {
                interface eth0
                virtual_router_id 2
                virtual_ipaddress {
                    2001:db8::2/64
                }
            }
            """);

        Assert.All(o.Routers, r => Assert.Equal("G1", r.SyncGroup));
        ImportAssert.Unmapped(result, 5, "C");
        ImportAssert.Unmapped(result, 7, "notify_master");
    }

    [Theory]
    [InlineData("accept")]
    [InlineData("use_vmac")]
    [InlineData("no_accept")]
    [InlineData("smtp_alert")]
    [InlineData("dont_track_primary")]
    [InlineData("unknown_thing 1")]
    public void Directives_without_equivalent_are_reported_and_never_emitted(string directive)
    {
        var (result, _) = ImportAssert.Imports(Instance("    " + directive));

        ImportAssert.Unmapped(result, 5, directive.Split(' ')[0]);
        Assert.DoesNotContain("AcceptMode", result.Json, StringComparison.Ordinal);
        Assert.DoesNotContain("UseVirtualMac", result.Json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vrrp_instance X {\n  virtual_router_id 1\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}", "no interface")]
    [InlineData("vrrp_instance X {\n  interface eth0\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}", "no virtual_router_id")]
    [InlineData("vrrp_instance X {\n  interface eth0\n  virtual_router_id 1\n}", "no usable virtual_ipaddress")]
    [InlineData("vrrp_instance X {\n  interface eth0\n  virtual_router_id 1\n  priority 300\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}", "")]
    public void Incomplete_or_out_of_range_instances_are_reported_and_the_output_still_validates(string text, string reason)
    {
        var (result, o) = ImportAssert.Imports(text);

        if (reason.Length > 0)
        {
            Assert.Empty(o.Routers);
            Assert.Contains(reason, ImportAssert.Unmapped(result, 1, "vrrp_instance").Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(100, o.Routers[0].Priority);
            Assert.Contains("1..255", ImportAssert.Unmapped(result, 4, "priority").Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Static_ipaddress_becomes_StaticVips_and_LVS_is_reported()
    {
        var (result, o) = ImportAssert.Imports("""
            static_ipaddress {
                192.0.2.50/24 dev eth0
                192.0.2.51/24 dev eth0 scope link
            }
            virtual_server 192.0.2.100 80 {
                delay_loop 6
            }
            """);

        Assert.Equal(["192.0.2.50/24", "192.0.2.51/24"], o.StaticVips.Single().Vips.Select(v => v.ToString()));
        Assert.False(o.StaticVips[0].Announce);
        ImportAssert.Unmapped(result, 3, "192.0.2.51/24");
        ImportAssert.Unmapped(result, 5, "virtual_server");
    }
}
