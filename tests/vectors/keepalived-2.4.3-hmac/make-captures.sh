#!/usr/bin/env bash
# Regenerates the captures in this folder: keepalived 2.4.3 (auth_hmac) as master in a network namespace, tcpdump in
# a second namespace on the other end of a veth pair. Needs root, ip, tcpdump and the keepalived binary
# (KEEPALIVED_HMAC_BIN: keepalived 2.4.3 built from source, as .ci/run does). Only 192.0.2.0/24 and 2001:db8::/64 inside
# the two namespaces it creates (and removes) are used.
set -euo pipefail
bin=${KEEPALIVED_HMAC_BIN:?set KEEPALIVED_HMAC_BIN to the keepalived 2.4.3 binary}
out=$(cd "$(dirname "$0")" && pwd)
a=hmaccap-a-$$ b=hmaccap-b-$$ work=$(mktemp -d)
cleanup() { ip netns del "$a" 2>/dev/null || true; ip netns del "$b" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ip netns add "$a"; ip netns add "$b"
ip -n "$a" link add eth0 type veth peer name eth0 netns "$b"
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; ip -n "$ns" link set eth0 up; done
ip -n "$a" addr add 192.0.2.1/24 dev eth0; ip -n "$b" addr add 192.0.2.2/24 dev eth0
ip -n "$a" addr add 2001:db8::1/64 dev eth0 nodad; ip -n "$b" addr add 2001:db8::2/64 dev eth0 nodad
sleep 2 # IPv6 link-local addresses leave tentative state

# key 2 comes from a file holding ASCII text (mode 600), as keepalived's "key 2 file:PATH"
printf 'vrrp-hmac-test-key-two-0123456789abcdef\n' > "$work/key2"; chmod 600 "$work/key2"

capture() { # name version family unicast active_key
  local name=$1 version=$2 family=$3 unicast=$4 active=$5 vip peer=""
  if [ "$family" = 6 ]; then vip=2001:db8::100/64; else vip=192.0.2.100/24; fi
  if [ "$unicast" = 1 ]; then peer="unicast_src_ip 192.0.2.1
  unicast_peer {
    192.0.2.2
  }"; fi
  cat > "$work/$name.conf" <<CONF
global_defs {
  router_id hmac-capture
  vrrp_version $version
}
vrrp_instance VI_51 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  $peer
  auth_hmac {
    key 1 hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
    key 2 file:$work/key2
    active_key $active
    mode enforce
  }
  virtual_ipaddress {
    $vip
  }
}
CONF
  ip netns exec "$b" tcpdump -i eth0 -U -w "$work/$name.pcap" "ip proto 112 or ip6 proto 112" > "$work/$name.tcpdump.log" 2>&1 &
  local dump=$!
  sleep 1
  ip netns exec "$a" "$bin" -n -l -D -f "$work/$name.conf" -p "$work/$name.pid" -r "$work/$name.vrrp.pid" > "$work/$name.log" 2>&1 &
  local ka=$!
  sleep 6
  kill -STOP "$(cat "$work/$name.pid")" 2>/dev/null || true
  kill -KILL "$(cat "$work/$name.vrrp.pid")" 2>/dev/null || true
  kill -KILL "$ka" 2>/dev/null || true
  wait "$ka" 2>/dev/null || true
  sleep 0.5
  kill "$dump"; wait "$dump" 2>/dev/null || true
  cp "$work/$name.pcap" "$out/$name.pcap"
  cp "$work/$name.conf" "$out/$name.conf.txt"
  sed -i "s|$work/key2|/etc/keepalived/key2|" "$out/$name.conf.txt"
  echo "$name: $(tcpdump -r "$out/$name.pcap" 2>/dev/null | wc -l) packets"
}

capture vrrp3-ipv4-hmac-key1 3 4 0 1
capture vrrp3-ipv6-hmac-key1 3 6 0 1
capture vrrp2-ipv4-hmac-key1 2 4 0 1
capture vrrp3-ipv4-unicast-hmac-key1 3 4 1 1
capture vrrp3-ipv4-hmac-key2 3 4 0 2
capture vrrp3-ipv6-hmac-key2 3 6 0 2
