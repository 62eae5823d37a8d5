#!/usr/bin/env bash
# Footprint, side by side: VirtualIp.Failover (Native AOT) and keepalived on the same job, in a throwaway namespace lab
# (eng/lab.sh; documentation addresses only; every namespace and process removed on exit, also on Ctrl-C or error).
#
#   one     one router, one VIP, one node (address owner, priority 255, 1 s adverts): resident memory after a steady
#           N s (VmRSS and Pss from /proc/PID/smaps_rollup; keepalived = parent + VRRP child) and start -> first
#           advert (tcpdump on the lab's bridge).
#   scale   100 routers (VRIDs 1..50 x IPv4/IPv6, one VIP each) at 100 ms adverts on one interface, two nodes of the
#           same implementation (master priority 150, backup 100): CPU (utime+stime from /proc/PID/stat over N s)
#           and memory of each node.
#   takeover  what the image page-out costs when it matters: two nodes (separate copies of the binary, as on two
#           machines), master 150 / backup 100, 100 ms adverts; after a steady N s (the backup's image paged out when
#           the page-out is on) the master is SIGKILLed; takeover = its last advert -> the backup's first advert,
#           and the backup's first gratuitous ARP (tcpdump on the bridge). Ours with the page-out off and on
#           (alternating), and keepalived.
#
#   eng/measure-footprint.sh [--bin PATH] [--only one|scale|takeover] [--steady 10] [--cpu-seconds 60] [--runs 1]
#                            [--env NAME=VALUE ...] [--skip-keepalived]
#   --bin    the AOT host (default artifacts/aot/failover/VirtualIp.Failover; build it with
#            dotnet publish samples/VirtualIp.Failover -c Release -r linux-x64 -o artifacts/aot/failover)
#   --env    environment for our process only (e.g. DOTNET_GCgen0size=0x40000 to try a GC knob without a rebuild)
# Needs root, iproute2, tcpdump, keepalived (/usr/sbin/keepalived).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=artifacts/aot/failover/VirtualIp.Failover only=all steady=10 cpu_seconds=60 runs=1 skip_ka=0
ours_env=()
while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --steady) steady=$2; shift 2 ;;
    --cpu-seconds) cpu_seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --env) ours_env+=("$2"); shift 2 ;;
    --skip-keepalived) skip_ka=1; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "measure-footprint: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "measure-footprint: needs root" >&2; exit 1; }
[ -x "$bin" ] || { echo "measure-footprint: $bin missing; build it first: dotnet publish samples/VirtualIp.Failover -c Release -r linux-x64 -o artifacts/aot/failover" >&2; exit 2; }
bin=$(realpath "$bin")
ka=/usr/sbin/keepalived
[ "$skip_ka" = 1 ] || [ -x "$ka" ] || { echo "measure-footprint: $ka missing (apt-get install keepalived)" >&2; exit 2; }
command -v tcpdump >/dev/null || { echo "measure-footprint: tcpdump missing (apt-get install tcpdump)" >&2; exit 2; }

name=fp$(printf '%04x' $(( $$ & 0xffff )))
tmp=$(mktemp -d /tmp/measure-footprint.XXXXXX)
cleanup() {
  # What runs inside this lab's namespaces (ours, keepalived, tcpdump) is killed by lab.sh down, by PID; then the files.
  bash eng/lab.sh down "$name" >/dev/null 2>&1 || true # kills what runs in the lab's namespaces, then deletes them
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bash eng/lab.sh up "$name" 2 >/dev/null
sw="vip-$name-sw" n1="vip-$name-n1" n2="vip-$name-n2"
hz=$(getconf CLK_TCK)

kb() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }
rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
pss_kb() { awk '/^Pss:/{print $2}' "/proc/$1/smaps_rollup"; }
ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; } # utime + stime (fields 14, 15)
threads() { awk '/^Threads/{print $2}' "/proc/$1/status"; }
sum() { local f=$1 t=0 p; shift; for p in "$@"; do t=$((t + $($f "$p"))); done; echo "$t"; }

# PIDs of one running instance: ours = the process; keepalived = parent + VRRP child (from its pid files).
ka_pids() { # $1 = dir with pid files
  local i
  for i in $(seq 1 50); do [ -s "$1/vrrp.pid" ] && break; sleep 0.1; done
  echo "$(cat "$1/ka.pid") $(cat "$1/vrrp.pid")"
}

start_ours() { # $1 = namespace, $2 = working dir (appsettings.json), rest = arguments; prints PID
  local ns=$1 dir=$2; shift 2
  (cd "$dir" && exec ip netns exec "$ns" env ${ours_env[@]+"${ours_env[@]}"} "$bin" "$@") >"$dir/out.log" 2>&1 &
  echo $!
}
start_ka() { # $1 = namespace, $2 = dir with ka.conf; prints the parent's PID
  local ns=$1 dir=$2
  ip netns exec "$ns" "$ka" -n -l -f "$dir/ka.conf" -p "$dir/ka.pid" -r "$dir/vrrp.pid" -c "$dir/chk.pid" >"$dir/out.log" 2>&1 &
  echo $!
}
stop() { # $1 = PID to TERM; waits up to 5 s
  kill -TERM "$1" 2>/dev/null || true
  local i; for i in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

first_advert_ms() { # $1 = start time (s.ns), $2 = capture
  local t; t=$(tcpdump -r "$2" -tt -nn 'ip proto 112 or ip6 proto 112' 2>/dev/null | head -1 | awk '{print $1}')
  if [ -n "$t" ]; then awk -v a="$1" -v b="$t" 'BEGIN{printf "%.1f", (b-a)*1000}'; else echo "n/a"; fi
}

# ---------- one router, one VIP ----------
one() { # $1 = ours|keepalived, $2 = run
  local impl=$1 dir="$tmp/one-$1-$2"; mkdir -p "$dir"
  ip netns exec "$sw" tcpdump -i br0 -nn -U --immediate-mode -w "$dir/cap.pcap" 'ip proto 112 or ip6 proto 112' >/dev/null 2>&1 &
  local tcpd=$!; sleep 1
  local t0 pid pids
  t0=$(date +%s.%N)
  if [ "$impl" = ours ]; then
    pid=$(start_ours "$n1" "$dir" --interface eth0 --vrid 51 --priority 255 --vip 192.0.2.100/24 --advert-interval 1s)
    pids=$pid
  else
    cat >"$dir/ka.conf" <<CONF
global_defs {
  vrrp_version 3
}
vrrp_instance VI_51 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 255
  advert_int 1
  virtual_ipaddress {
    192.0.2.100/24
  }
}
CONF
    pid=$(start_ka "$n1" "$dir"); pids=$(ka_pids "$dir")
  fi
  sleep "$steady"
  local rss pss th=-
  rss=$(sum rss_kb $pids); pss=$(sum pss_kb $pids)
  [ "$impl" = ours ] && th=$(threads "$pid")
  stop "$pid"; wait "$pid" 2>/dev/null || true
  sleep 0.3; kill "$tcpd" 2>/dev/null || true; wait "$tcpd" 2>/dev/null || true
  printf '| %s | %s | %s | %s | %s | %s |\n' "$impl" "$(echo $pids | wc -w)" "$(kb "$rss")" "$(kb "$pss")" "$th" "$(first_advert_ms "$t0" "$dir/cap.pcap")"
}

# ---------- 100 routers at 100 ms ----------
ours_scale_conf() { # $1 = priority
  local prio=$1 i sep=""
  echo '{ "VirtualIp": { "Routers": ['
  for i in $(seq 1 50); do
    printf '%s{ "Name": "v4-%d", "Interface": "eth0", "VirtualRouterId": %d, "Priority": %d, "AdvertisementInterval": "100ms", "Vips": [ "192.0.2.%d/24" ] },\n' "$sep" "$i" "$i" "$prio" $((100 + i))
    printf '{ "Name": "v6-%d", "Interface": "eth0", "VirtualRouterId": %d, "Priority": %d, "AdvertisementInterval": "100ms", "Vips": [ "2001:db8::1:%x/64" ] }\n' "$i" "$i" "$prio" "$i"
    sep=","
  done
  echo '] } }'
}
ka_scale_conf() { # $1 = priority
  local prio=$1 i
  printf 'global_defs {\n  vrrp_version 3\n}\n'
  for i in $(seq 1 50); do
    printf 'vrrp_instance v4_%d {\n  state BACKUP\n  interface eth0\n  virtual_router_id %d\n  priority %d\n  advert_int 0.1\n  virtual_ipaddress {\n    192.0.2.%d/24\n  }\n}\n' "$i" "$i" "$prio" $((100 + i))
    printf 'vrrp_instance v6_%d {\n  state BACKUP\n  interface eth0\n  virtual_router_id %d\n  priority %d\n  advert_int 0.1\n  virtual_ipaddress {\n    2001:db8::1:%x/64\n  }\n}\n' "$i" "$i" "$prio" "$i"
  done
}

scale() { # $1 = ours|keepalived, $2 = run
  local impl=$1 run=$2 node ns prio dir
  declare -A pid pids
  for node in master backup; do
    if [ $node = master ]; then ns=$n1 prio=150; else ns=$n2 prio=100; fi
    dir="$tmp/scale-$impl-$run-$node"; mkdir -p "$dir"
    if [ "$impl" = ours ]; then
      ours_scale_conf $prio >"$dir/appsettings.json"
      pid[$node]=$(start_ours "$ns" "$dir"); pids[$node]=${pid[$node]}
    else
      ka_scale_conf $prio >"$dir/ka.conf"
      pid[$node]=$(start_ka "$ns" "$dir"); pids[$node]=$(ka_pids "$dir")
    fi
  done
  sleep "$steady"
  local a0 b0 a1 b1
  a0=$(sum ticks ${pids[master]}); b0=$(sum ticks ${pids[backup]})
  sleep "$cpu_seconds"
  a1=$(sum ticks ${pids[master]}); b1=$(sum ticks ${pids[backup]})
  local masters
  masters=$(ip -n "$n1" -br addr show eth0 | tr ' ' '\n' | grep -c -E '^(192\.0\.2\.1[0-9][0-9]|2001:db8::1:)' || true)
  for node in master backup; do
    local d0 d1; if [ $node = master ]; then d0=$a0 d1=$a1; else d0=$b0 d1=$b1; fi
    local cpu_ms th=-
    cpu_ms=$(awk -v t=$((d1 - d0)) -v hz="$hz" -v s="$cpu_seconds" 'BEGIN{printf "%.1f", t*1000/hz/s}')
    [ "$impl" = ours ] && th=$(threads "${pid[$node]}")
    printf '| %s | %s | %s | %s | %.2f%% | %s | %s | %s |\n' "$impl" "$node" "$(echo ${pids[$node]} | wc -w)" "$cpu_ms" \
      "$(awk -v c="$cpu_ms" 'BEGIN{print c/10}')" "$(kb "$(sum rss_kb ${pids[$node]})")" "$(kb "$(sum pss_kb ${pids[$node]})")" "$th"
  done
  echo "  ($impl: $masters of 100 VIPs on the master node)" >&2
  for node in master backup; do stop "${pid[$node]}"; done
  wait 2>/dev/null || true
}

# ---------- takeover after the page-out ----------
takeover() { # $1 = ours-paged|ours-resident|keepalived, $2 = run
  local impl=$1 run=$2 node ns prio dir i
  declare -A pid pids
  dir="$tmp/takeover-$impl-$run"; mkdir -p "$dir"
  ip netns exec "$sw" tcpdump -i br0 -nn -U --immediate-mode -w "$dir/cap.pcap" 'ip proto 112 or arp' >/dev/null 2>&1 &
  local tcpd=$!; sleep 1
  for node in master backup; do
    if [ $node = master ]; then ns=$n1 prio=150; else ns=$n2 prio=100; fi
    mkdir -p "$dir/$node"
    if [ "$impl" = keepalived ]; then
      printf 'global_defs {\n  vrrp_version 3\n}\nvrrp_instance VI_51 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n  priority %d\n  advert_int 0.1\n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n}\n' "$prio" >"$dir/$node/ka.conf"
      pid[$node]=$(start_ka "$ns" "$dir/$node"); pids[$node]=$(ka_pids "$dir/$node")
    else
      cp "$bin" "$dir/$node/VirtualIp.Failover" # one copy per node: two machines share no page
      local paged=false; [ "$impl" = ours-paged ] && paged=true
      pid[$node]=$( (cd "$dir/$node" && exec ip netns exec "$ns" env Failover__PageOutImage=$paged "$dir/$node/VirtualIp.Failover" \
        --interface eth0 --vrid 51 --priority $prio --vip 192.0.2.100/24 --advert-interval 100ms) >"$dir/$node/out.log" 2>&1 & echo $!)
      pids[$node]=${pid[$node]}
    fi
    sleep 1
  done
  sleep "$steady"
  local rss pss
  rss=$(sum rss_kb ${pids[backup]}); pss=$(sum pss_kb ${pids[backup]})
  kill -9 ${pids[master]} 2>/dev/null || true
  sleep 2
  stop "${pid[backup]}"; [ "$impl" = keepalived ] && stop "${pid[master]}"
  wait "${pid[master]}" "${pid[backup]}" 2>/dev/null || true
  sleep 0.3; kill "$tcpd" 2>/dev/null || true; wait "$tcpd" 2>/dev/null || true
  # last advert of 192.0.2.11, then the first advert and the first ARP of 192.0.2.12 / 02:00:00:00:00:02 after it
  tcpdump -r "$dir/cap.pcap" -tt -nn -e 2>/dev/null | awk '
    / 192\.0\.2\.11 > 224\.0\.0\.18/ { last = $1 }
    / 192\.0\.2\.12 > 224\.0\.0\.18/ && last && !adv { adv = $1 }
    /02:00:00:00:00:02 > ff:ff:ff:ff:ff:ff/ && / ARP/ && last && !arp { arp = $1 }
    END { printf "%.1f %.1f\n", adv ? (adv - last) * 1000 : -1, arp ? (arp - last) * 1000 : -1 }' > "$dir/result"
  read -r adv arp < "$dir/result"
  printf '| %s | %s | %s | %s | %s |\n' "$impl" "$adv" "$arp" "$(kb "$rss")" "$(kb "$pss")"
}

impls="ours keepalived"; [ "$skip_ka" = 1 ] && impls=ours
echo "# measure-footprint $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), bin $bin ${ours_env[*]-}"
if [ "$only" = takeover ]; then
  echo "## takeover after a steady ${steady} s: master SIGKILLed -> backup's first advert / first gratuitous ARP (ms); backup's memory before"
  echo "| implementation | last advert -> first advert ms | last advert -> first ARP ms | backup VmRSS MB | backup Pss MB |"
  echo "|---|---:|---:|---:|---:|"
  ti="ours-resident ours-paged keepalived"; [ "$skip_ka" = 1 ] && ti="ours-resident ours-paged"
  for r in $(seq 1 "$runs"); do for i in $ti; do takeover "$i" "$r"; done; done
  exit 0
fi
if [ "$only" != scale ]; then
  echo "## one router, one VIP (steady ${steady} s)"
  echo "| implementation | processes | VmRSS MB | Pss MB | threads | start -> first advert ms |"
  echo "|---|---:|---:|---:|---:|---:|"
  for r in $(seq 1 "$runs"); do for i in $impls; do one "$i" "$r"; done; done
fi
if [ "$only" != one ]; then
  echo "## 100 routers (50 VRIDs x IPv4/IPv6) at 100 ms, CPU over ${cpu_seconds} s"
  echo "| implementation | node | processes | CPU ms/s | of one core | VmRSS MB | Pss MB | threads |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  for r in $(seq 1 "$runs"); do for i in $impls; do scale "$i" "$r"; done; done
fi
