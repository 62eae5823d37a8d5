#!/usr/bin/env python3
"""Writes the seed corpora under eng/fuzz/corpus/ from the repository's vectors (run once; the output is committed).

vrrp:       keepalived's adverts (tests/vectors/keepalived-2.2.7 and keepalived-2.4.3-hmac captures): the VRRP payload
            with the target's prefix (policy byte, TTL, IP source and destination), a few per capture.
frames:     whole frames from the same captures (VRRP, gratuitous ARP, unsolicited NA), a few per capture and kind.
cmsg:       the control buffers recvmsg returns on an IPv6 raw socket (64-bit cmsghdr layout), built here.
keepalived: the 2.4.3 sample configurations (tests/vectors/keepalived-2.4.3-samples) and one of includes into the
            target's include root (eng/fuzz/VirtualIp.Fuzz/Targets/KeepalivedTarget.cs), escapes included.
config:     the appsettings JSON of samples/ plus a few made here.
netlink:    not made here: eng/fuzz/capture-netlink.sh captures real kernel answers in a namespace.
"""
import glob, json, os, shutil, struct

root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
out = os.path.join(root, "eng", "fuzz", "corpus")


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 113:  # Linux cooked capture: make an Ethernet header of it
            proto = frame[14:16]
            frame = b"\x01\x00\x5e\x00\x00\x12" + frame[6:12] + proto + frame[16:]
        yield frame


def split_vrrp(frame):
    t = struct.unpack(">H", frame[12:14])[0]
    if t == 0x0800 and len(frame) > 34 and frame[23] == 112:
        ihl = (frame[14] & 0xF) * 4
        total = struct.unpack(">H", frame[16:18])[0]
        return False, frame[22], frame[26:30], frame[30:34], frame[14 + ihl:14 + total]
    if t == 0x86DD and len(frame) > 54 and frame[20] == 112:
        plen = struct.unpack(">H", frame[18:20])[0]
        return True, frame[21], frame[22:38], frame[38:54], frame[54:54 + plen]
    return None


def kind(frame):
    t = struct.unpack(">H", frame[12:14])[0]
    if t == 0x0806:
        return "arp"
    if t == 0x86DD and frame[20] == 58:
        return "ndp"
    if split_vrrp(frame):
        return "vrrp"
    return None


def fresh(name):
    d = os.path.join(out, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def write(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


captures = sorted(glob.glob(os.path.join(root, "tests/vectors/keepalived-2.2.7/*.pcap"))) + \
    sorted(glob.glob(os.path.join(root, "tests/vectors/keepalived-2.4.3-hmac/*.pcap")))

vrrp, fr = fresh("vrrp"), fresh("frames")
for cap in captures:
    base = os.path.splitext(os.path.basename(cap))[0]
    hmac = "hmac" in base
    auth = "auth-pass" in base
    seen_payloads, per_kind = set(), {}
    for frame in frames(cap):
        k = kind(frame)
        if k and per_kind.get(k, 0) < 2 and frame not in seen_payloads:
            per_kind[k] = per_kind.get(k, 0) + 1
            seen_payloads.add(frame)
            write(fr, f"{base}-{k}-{per_kind[k]}", frame)
        v = split_vrrp(frame)
        if v and per_kind.get("payload", 0) < 2:
            ipv6, ttl, src, dst, payload = v
            per_kind["payload"] = per_kind.get("payload", 0) + 1
            policy = (1 if ipv6 else 0) | (2 << 1) | (0x20 if auth else 0) | (0x80 if hmac else 0)
            write(vrrp, f"{base}-{per_kind['payload']}", bytes([policy, ttl]) + src + dst + payload)

# cmsghdr (64-bit): size_t len; int level; int type; data aligned to 8. IPPROTO_IPV6 = 41, IPV6_HOPLIMIT = 52, IPV6_PKTINFO = 50.
def cmsg(level, typ, data):
    n = 16 + len(data)
    return (struct.pack("<Qii", n, level, typ) + data).ljust((n + 7) & ~7, b"\0")

cm = fresh("cmsg")
hop = cmsg(41, 52, struct.pack("<i", 255))
pkt = cmsg(41, 50, bytes.fromhex("ff020000000000000000000000000012") + struct.pack("<i", 2))
write(cm, "hoplimit-pktinfo", hop + pkt)
write(cm, "pktinfo-hoplimit", pkt + hop)
write(cm, "hoplimit-only", hop)
write(cm, "truncated", (hop + pkt)[:40])

ka = fresh("keepalived")
for f in sorted(glob.glob(os.path.join(root, "tests/vectors/keepalived-2.4.3-samples/keepalived.conf*"))):
    shutil.copy(f, os.path.join(ka, os.path.basename(f)))
write(ka, "includes.conf", b"include global.conf\ninclude conf.d/*.conf\ninclude linked.conf\ninclude out/*.conf\n"
      b"include ../outside/secret.conf\ninclude /*/*o\nvrrp_instance VI_2 {\n interface eth0\n virtual_router_id 2\n"
      b" virtual_ipaddress {\n  192.0.2.2/24\n }\n}\n")

cfg = fresh("config")
for f in sorted(glob.glob(os.path.join(root, "samples/*/appsettings*.json"))):
    shutil.copy(f, os.path.join(cfg, os.path.basename(os.path.dirname(f)) + "-" + os.path.basename(f)))
made = {
    "router-v3-v6": {"VirtualIp": {"Routers": [{"Name": "r6", "Interface": "eth0", "VirtualRouterId": 52, "Priority": 100,
        "Version": 3, "AdvertisementInterval": "100ms", "Vips": ["2001:db8::10/64"], "UnicastPeers": ["2001:db8::2"]}]}},
    "router-v2-auth": {"VirtualIp": {"Routers": [{"Name": "r2", "Interface": "eth0", "VirtualRouterId": 51, "Version": "2",
        "AuthPassword": "secret12", "Preempt": False, "PreemptDelay": "5s", "Vips": ["192.0.2.10/24"], "SyncGroup": "g"}]}},
    "router-hmac": {"VirtualIp": {"Routers": [{"Name": "h", "Interface": "eth0", "VirtualRouterId": 1, "Vips": ["192.0.2.1/32"],
        "AuthHmac": {"Mode": "Enforce", "AntiReplay": "Monotonic", "ActiveKeyId": 1, "Keys": {"1": "hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"}}}]}},
}
for name, doc in made.items():
    write(cfg, name + ".json", json.dumps(doc, indent=1).encode())
print("corpora written under", out)
