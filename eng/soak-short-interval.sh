#!/usr/bin/env bash
# Short advert intervals under full load: two of ours (VirtualIp.Failover, Native AOT) at 10 ms adverts, then keepalived
# at 20 ms as the reference, each pair in a throwaway namespace lab (eng/lab.sh, documentation addresses only) while
# `stress-ng --cpu 2` keeps both cores busy.
#   soak    N minutes with both nodes alive (priorities 150/100): every state change is a false failover; also the
#           longest gap between the master's adverts (tcpdump on the lab bridge).
#   crash   the client pings the VIP every 2 ms; the master is SIGKILLed and its link cut (a dead machine). Takeover =
#           from the dead master's last advert to the new master's first gratuitous ARP, both on the lab bridge (the
#           VIP is bound before that ARP leaves, so no client waits longer than this): the figure held against
#           Master_Down_Interval + 10 ms (RFC 9568: 3 x interval + skew). The client's gap (longest gap between ping
#           replies) is shown too; it is the instrument's: it starts at the link cut, not the kill, and iputils ping
#           sends its next probe 10-30 ms late after an unanswered one (measured 2026-12-06, docs/benchmarks.md).
#
#   eng/soak-short-interval.sh [--minutes 10] [--interval-ms 10] [--ka-interval-ms 20] [--crash-runs 3]
#                              [--realtime-priority 50] [--impls ours,keepalived] [--no-stress] [--bin PATH]
#   --crash-runs N          crashes after the soak's own one (each with a fresh pair)
#   --realtime-priority N   ours: --realtime-priority N; keepalived: vrrp_rt_priority N (0 = both at normal priority)
# Needs root, iproute2, tcpdump, stress-ng, keepalived, ping. Removes its namespaces, daemons, stress-ng and captures
# on exit, also on Ctrl-C or error. The machine's other load adds to stress-ng's: say so with the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=10 interval_ms=10 ka_interval_ms=20 crash_runs=3 rt=50 impls=ours,keepalived stress=1
bin=artifacts/aot/failover/VirtualIp.Failover
while [ $# -gt 0 ]; do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --interval-ms) interval_ms=$2; shift 2 ;;
    --ka-interval-ms) ka_interval_ms=$2; shift 2 ;;
    --crash-runs) crash_runs=$2; shift 2 ;;
    --realtime-priority) rt=$2; shift 2 ;;
    --impls) impls=$2; shift 2 ;;
    --no-stress) stress=0; shift ;;
    --bin) bin=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "soak-short-interval: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "soak-short-interval: needs root" >&2; exit 1; }
for t in ip tcpdump stress-ng ping; do command -v "$t" >/dev/null || { echo "soak-short-interval: $t missing" >&2; exit 2; }; done
ka=/usr/sbin/keepalived
[[ $impls != *keepalived* ]] || [ -x "$ka" ] || { echo "soak-short-interval: $ka missing (apt-get install keepalived)" >&2; exit 2; }
[[ $impls != *ours* ]] || [ -x "$bin" ] || { echo "soak-short-interval: $bin missing; dotnet publish samples/VirtualIp.Failover -c Release -r linux-x64 -o artifacts/aot/failover" >&2; exit 2; }
bin=$(realpath "$bin")

name=sk$(printf '%04x' $(( $$ & 0xffff )))
tmp=$(mktemp -d /tmp/soak-short-interval.XXXXXX)
stress_pid=""
cleanup() {
  [ -n "$stress_pid" ] && { kill -TERM "$stress_pid" 2>/dev/null || true; sleep 0.5; kill -9 "$stress_pid" 2>/dev/null || true; }
  bash eng/lab.sh down "$name" >/dev/null 2>&1 || true # kills what runs in the lab's namespaces, then deletes them
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bash eng/lab.sh up "$name" 2 >/dev/null
sw="vip-$name-sw" n1="vip-$name-n1" n2="vip-$name-n2" client="vip-$name-client"
vip=192.0.2.100
chrt=(); command -v chrt >/dev/null && chrt=(chrt -r 90) # the client's pinger is the instrument: keep it out of the contest

# Master_Down_Interval (RFC 9568, VRRPv3) of the backup (priority 100) in ms, + 10 ms.
target_ms() { awk -v i="$1" 'BEGIN{printf "%.1f", 3*i + (256-100)*i/256 + 10}'; }

start() { # $1 = impl, $2 = node ns, $3 = priority, $4 = dir; prints the PID to kill (keepalived: its parent)
  local impl=$1 ns=$2 prio=$3 dir=$4; mkdir -p "$dir"
  if [ "$impl" = ours ]; then
    local extra=(); [ "$rt" -gt 0 ] && extra=(--realtime-priority "$rt")
    (cd "$dir" && exec ip netns exec "$ns" "$bin" --interface eth0 --vrid 51 --priority "$prio" --vip $vip/24 \
      --advert-interval "${interval_ms}ms" "${extra[@]}") >"$dir/out.log" 2>&1 &
  else
    { echo "global_defs {"; echo "  vrrp_version 3"; [ "$rt" -gt 0 ] && echo "  vrrp_rt_priority $rt"; echo "}"
      printf 'vrrp_instance VI_51 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n  priority %s\n' "$prio"
      printf '  advert_int %s\n  virtual_ipaddress {\n    %s/24\n  }\n}\n' "$(awk -v m="$ka_interval_ms" 'BEGIN{print m/1000}')" $vip
    } >"$dir/ka.conf"
    ip netns exec "$ns" "$ka" -n -l -f "$dir/ka.conf" -p "$dir/ka.pid" -r "$dir/vrrp.pid" -c "$dir/chk.pid" >"$dir/out.log" 2>&1 &
  fi
  echo $!
}
transitions() { # state changes a daemon printed so far
  grep -c -E ' (Backup|Master|Fault|Initialize) -> (Backup|Master|Fault)|Entering (MASTER|BACKUP|FAULT) STATE' "$1/out.log" || true
}
holds() { ip -n "$1" -br addr show eth0 | grep -q " $vip/"; }
converge() { # waits until n1 holds the VIP and n2 does not, up to 30 s
  local i; for i in $(seq 1 300); do holds "$n1" && ! holds "$n2" && return 0; sleep 0.1; done
  echo "  did not converge: n1 $(holds "$n1" && echo holds || echo lacks) the VIP, n2 $(holds "$n2" && echo holds || echo lacks) it" >&2; return 1
}
crash() { # $1 = impl, $2 = dir of the master; SIGKILL (keepalived: VRRP child, then parent) and cut its link
  if [ "$1" = keepalived ]; then
    kill -STOP "$(cat "$2/ka.pid")" 2>/dev/null || true
    kill -9 "$(cat "$2/vrrp.pid")" 2>/dev/null || true
    kill -9 "$(cat "$2/ka.pid")" 2>/dev/null || true
  else
    kill -9 "$(cat "$2/pid")" 2>/dev/null || true
  fi
  ip -n "$n1" link set eth0 down
}
stop_pair() { # kills what runs in n1 and n2, restores n1's link and removes a VIP a killed master left
  local ns pid
  for ns in "$n1" "$n2"; do for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done; done
  sleep 0.3
  ip -n "$n1" link set eth0 up
  for ns in "$n1" "$n2"; do ip -n "$ns" addr del $vip/24 dev eth0 2>/dev/null || true; done
}
takeover_ms() { # $1 = capture: the dead master's (192.0.2.11) last advert to n2's first gratuitous ARP for the VIP after it
  tcpdump -r "$1" -tt -nn 2>/dev/null | awk -v vip="$vip" '
    / 192\.0\.2\.11 > .*VRRP/ { last = $1; g = 0 }
    /ARP/ && $0 ~ ("who-has " vip " .*tell " vip) && last && !g { g = $1 }
    END { if (g) printf "%.1f", (g - last) * 1000; else print "n/a" }'
}
longest_gap_ms() { # $1 = capture, $2 = source address: the longest gap between its adverts and the 99th percentile
  tcpdump -r "$1" -tt -nn "src $2" 2>/dev/null | awk '{t=$1; if (p) printf "%.3f\n", (t-p)*1000; p=t}' | sort -n >"$tmp/gaps" || true
  awk '{g[NR]=$1} END { if (!NR) { print "n/a"; exit } i=int(NR*0.99); if (i<1) i=1; printf "%.1f (p99 %.1f, %d adverts)", g[NR], g[i], NR+1 }' "$tmp/gaps"
}

if [ "$stress" = 1 ]; then
  total=$(( (minutes * 60 + 120) * 2 + crash_runs * 60 + 60 ))
  stress-ng --cpu 2 --timeout "${total}s" --quiet &
  stress_pid=$!
  sleep 2
fi
echo "# soak-short-interval $(date -u +%FT%TZ): $(nproc) cores, stress-ng --cpu 2 $([ "$stress" = 1 ] && echo on || echo off), load $(cut -d' ' -f1-3 /proc/loadavg), realtime priority $rt, ours $interval_ms ms, keepalived $ka_interval_ms ms"
echo "| implementation | advert | soak | false failovers (master / backup) | longest advert gap ms | takeover ms (last advert -> GARP) | client gap ms (ping) | target (MDI + 10 ms) | within |"
echo "|---|---:|---:|---:|---|---|---|---:|---:|"
for impl in ${impls//,/ }; do
  iv=$interval_ms; [ "$impl" = keepalived ] && iv=$ka_interval_ms
  target=$(target_ms "$iv")
  outages=() takeovers=() within=0
  for run in $(seq 0 "$crash_runs"); do
    [ "$run" = 0 ] && [ "$minutes" = 0 ] && continue
    d1="$tmp/$impl-$run-n1" d2="$tmp/$impl-$run-n2"
    start "$impl" "$n1" 150 "$d1" >"$tmp/p1"; mkdir -p "$d1"; mv "$tmp/p1" "$d1/pid"
    sleep 0.3
    start "$impl" "$n2" 100 "$d2" >"$tmp/p2"; mkdir -p "$d2"; mv "$tmp/p2" "$d2/pid"
    if ! converge; then tail -5 "$d1/out.log" "$d2/out.log" >&2; stop_pair; continue; fi
    sleep 2
    if [ "$run" = 0 ]; then # the soak, then its own crash
      ip netns exec "$sw" tcpdump -i br0 -nn -U -w "$tmp/$impl.pcap" 'ip proto 112' >/dev/null 2>&1 &
      tcpd=$!
      a1=$(transitions "$d1") a2=$(transitions "$d2")
      sleep $((minutes * 60))
      f1=$(( $(transitions "$d1") - a1 )) f2=$(( $(transitions "$d2") - a2 ))
      kill "$tcpd" 2>/dev/null || true; wait "$tcpd" 2>/dev/null || true
      gap=$(longest_gap_ms "$tmp/$impl.pcap" 192.0.2.11)
      rm -f "$tmp/$impl.pcap"
      converge || true
    fi
    ip netns exec "$client" ${chrt[@]+"${chrt[@]}"} ping -n -D -i 0.002 -W 1 "$vip" >"$tmp/ping.log" 2>&1 &
    pinger=$!
    ip netns exec "$sw" tcpdump -i br0 -nn -U -w "$tmp/crash.pcap" 'arp or ip proto 112' >/dev/null 2>&1 &
    ctcpd=$!
    sleep 1
    crash "$impl" "$d1"
    sleep 1.5
    kill -INT "$pinger" 2>/dev/null || true; wait "$pinger" 2>/dev/null || true
    out=$(grep -o '^\[[0-9.]*\]' "$tmp/ping.log" | tr -d '[]' | awk '{t=$1; if (p) { g=(t-p)*1000; if (g>m) m=g } p=t} END{printf "%.1f", m}')
    outages+=("$out")
    kill "$ctcpd" 2>/dev/null || true; wait "$ctcpd" 2>/dev/null || true
    tk=$(takeover_ms "$tmp/crash.pcap")
    takeovers+=("$tk")
    awk -v o="$tk" -v t="$target" 'BEGIN{exit !(o != "n/a" && o<=t)}' && within=$((within + 1))
    stop_pair
  done
  [ "$minutes" = 0 ] && { f1=- f2=- gap=-; }
  printf '| %s | %s ms | %s min | %s / %s | %s | %s | %s | %s | %s/%s |\n' "$impl" "$iv" "$minutes" "$f1" "$f2" "$gap" "${takeovers[*]:-}" "${outages[*]:-}" "$target" "$within" "${#takeovers[@]}"
done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
