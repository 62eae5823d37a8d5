#!/usr/bin/env bash
# Resident memory in steady state and time from start to first VRRP advert: VirtualIp.Failover (Native AOT)
# next to keepalived, each alone in a fresh namespace lab (documentation addresses only). Needs root.
#   eng/measure-footprint.sh [path/to/VirtualIp.Failover]   (default: artifacts/aot/failover/VirtualIp.Failover)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-artifacts/aot/failover/VirtualIp.Failover}
[ -x "$bin" ] || { echo "build it first: dotnet publish samples/VirtualIp.Failover -c Release -r linux-x64 -p:PublishAot=true -o artifacts/aot/failover"; exit 2; }
name=fp$RANDOM
tmp=$(mktemp -d)
cleanup() { pkill -f "$tmp" 2>/dev/null || true; [ -f "$tmp/ka.pid" ] && kill "$(cat "$tmp/ka.pid")" 2>/dev/null || true; sleep 0.3; bash eng/lab.sh down "$name" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
bash eng/lab.sh up "$name" 2 >/dev/null
sw="vip-$name-sw"; n1="vip-$name-n1"

first_advert_ms() { # $1 = start time (s.ns), capture file
  local t; t=$(tcpdump -r "$2" -tt -nn 'ip proto 112' 2>/dev/null | head -1 | awk '{print $1}')
  [ -n "$t" ] && awk -v a="$1" -v b="$t" 'BEGIN{printf "%.1f", (b-a)*1000}' || echo "n/a"
}

measure() { # $1 = label, $2... = command (run in n1)
  local label=$1; shift
  ip netns exec "$sw" tcpdump -i br0 -nn -U --immediate-mode -w "$tmp/$label.pcap" 'ip proto 112' >/dev/null 2>&1 &
  local tcpd=$!; sleep 1
  local start; start=$(date +%s.%N)
  ip netns exec "$n1" "$@" >"$tmp/$label.log" 2>&1 &
  local pid=$!
  sleep 10
  local p=$pid pids=$pid; [ "$label" = keepalived ] && { p=$(cat "$tmp/ka.pid"); pids="$p $(cat "$tmp/vrrp.pid")"; }
  local rss=0 one; for q in $pids; do one=$(awk '/VmRSS/{print $2}' /proc/"$q"/status); rss=$((rss + one)); done
  kill -TERM "$p" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  sleep 0.5; kill "$tcpd" 2>/dev/null || true; wait "$tcpd" 2>/dev/null || true
  printf '%-12s RSS %6.1f MB   start -> first advert %s ms\n' "$label" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$(first_advert_ms "$start" "$tmp/$label.pcap")"
}

# keepalived's figure is its parent plus its VRRP child process (both resident).
# Priority 255 (address owner) on both: the owner advertises at once, so the figure is pure start-up cost.
measure virtualip "$bin" --interface eth0 --vrid 51 --priority 255 --vip 192.0.2.100/24 --advert-interval 1s
cat >"$tmp/ka.conf" <<CONF
global_defs {
  vrrp_version 3
}
vrrp_instance VI_51 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 255
  advert_int 1
  virtual_ipaddress {
    192.0.2.100/24
  }
}
CONF
measure keepalived /usr/sbin/keepalived -n -l -D -f "$tmp/ka.conf" -p "$tmp/ka.pid" -r "$tmp/vrrp.pid"
