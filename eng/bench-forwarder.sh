#!/usr/bin/env bash
# Compares the VirtualIp L4 forwarder with HAProxy (TCP mode) on loopback, same echo backends, same load:
# connections/s (connect + 16-byte echo + close), streaming throughput (echoed MiB/s through the proxy), and
# request latency (64-byte ping-pong on persistent connections, p50/p99) with the proxy's CPU time per keep-alive
# request (utime+stime from /proc/PID/stat over that phase, divided by the requests). Everything stays on 127.0.0.1.
# The echo backends and the load generator always run without inline completions (the same harness for both).
# Each target runs VIP_BENCH_ROUNDS rounds (default 2, alternating haproxy/ours); the spread between rounds of the same
# target is printed as the noise floor, and the ratios (ours/haproxy) are of the round means.
# Usage: eng/bench-forwarder.sh [SECONDS_PER_PHASE (default 5)]     Total run time: about 2 x ROUNDS x 3 x SECONDS + start-up.
# The sample turns DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS on by itself (continuations on the epoll threads: fewer
# thread hops, safe because the pump code never blocks); VIP_INLINE_COMPLETIONS=0 runs our forwarder without it.
# VIP_TCP_ENGINE=sockets|epoll picks the forwarder's TCP engine (ForwarderOptions.TcpEngine through
# VIRTUALIP_FORWARDER_TCP_ENGINE; default: the library's Auto); VIP_TCP_ENGINE=both runs a second forwarder on the epoll
# engine next to the Sockets one, same rounds, and prints the ratios of each ("virtualip" = Sockets, "epoll").
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-5}"
[[ "$secs" =~ ^[0-9]+$ ]] && [ "$secs" -ge 1 ] && [ "$secs" -le 20 ] || { echo "seconds must be 1-20"; exit 2; }

haproxy_bin=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$haproxy_bin" ] || { echo "bench-forwarder: haproxy not installed (apt-get install haproxy)"; exit 2; }

bin=samples/VirtualIp.LoadBalancer/bin/Release/net10.0/VirtualIp.LoadBalancer
# VIP_BENCH_BIN=PATH runs another build of the sample as "virtualip" (before/after comparisons); the load generator and
# echo backends still come from this tree's build.
ours_bin="${VIP_BENCH_BIN:-$bin}"
# Build only when a source is newer than the binary (an incremental build still costs ~30 s on a busy machine).
if [ ! -x "$bin" ] || [ -n "$(find src/VirtualIp.Abstractions src/VirtualIp src/VirtualIp.Balancing samples/VirtualIp.LoadBalancer \
      \( -name '*.cs' -o -name '*.csproj' \) -newer "$bin" -print -quit)" ]; then
  dotnet build samples/VirtualIp.LoadBalancer -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
fi

# Free loopback ports: ask the kernel for ephemeral ones by binding port 0 (python3), else fall back to a PID-based range.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
e1=$(free_port); e2=$(free_port); e3=$(free_port); e4=$(free_port); ours=$(free_port); hap=$(free_port); ours2=$(free_port)
engine="${VIP_TCP_ENGINE:-}"
[ -z "$engine" ] || [[ "$engine" =~ ^(sockets|epoll|both)$ ]] || { echo "VIP_TCP_ENGINE must be sockets, epoll or both"; exit 2; }
first_engine="$engine"; [ "$engine" = both ] && first_engine=sockets
backends="127.0.0.1:$e1,127.0.0.1:$e2,127.0.0.1:$e3,127.0.0.1:$e4"

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

cat > "$tmp/haproxy.cfg" <<CFG
global
    maxconn 8000
    nbthread $(nproc)
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend fe
    bind 127.0.0.1:$hap
    default_backend be
backend be
    balance roundrobin
    server s1 127.0.0.1:$e1
    server s2 127.0.0.1:$e2
    server s3 127.0.0.1:$e3
    server s4 127.0.0.1:$e4
CFG

DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 "$bin" --echo "$backends" > "$tmp/echo.log" 2>&1 & pids+=($!)
"$haproxy_bin" -db -f "$tmp/haproxy.cfg" > "$tmp/haproxy.log" 2>&1 & pids+=($!); hap_pid=$!
${VIP_INLINE_COMPLETIONS:+env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=$VIP_INLINE_COMPLETIONS} ${first_engine:+env VIRTUALIP_FORWARDER_TCP_ENGINE=$first_engine} "$ours_bin" --listen "127.0.0.1:$ours" --backends "$backends" --scheduler round-robin --max-connections 8000 > "$tmp/ours.log" 2>&1 & pids+=($!); ours_pid=$!
ports_to_wait="$e1 $e2 $e3 $e4 $hap $ours"
if [ "$engine" = both ]; then
  VIRTUALIP_FORWARDER_TCP_ENGINE=epoll "$ours_bin" --listen "127.0.0.1:$ours2" --backends "$backends" --scheduler round-robin --max-connections 8000 > "$tmp/ours2.log" 2>&1 & pids+=($!); ours2_pid=$!
  ports_to_wait="$ports_to_wait $ours2"
fi

wait_port() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 did not open"; cat "$tmp"/*.log; exit 1; }
for p in $ports_to_wait; do wait_port "$p"; done
sleep 1

rounds="${VIP_BENCH_ROUNDS:-2}"
[[ "$rounds" =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] && [ "$rounds" -le 5 ] || { echo "VIP_BENCH_ROUNDS must be 1-5"; exit 2; }
clk=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
field() { tr ' ' '\n' < "$1" | grep "^$2=" | cut -d= -f2; }
bench() { # LABEL PORT PID ROUND
  local f="$tmp/$1.$4"
  DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 "$bin" --bench "127.0.0.1:$2" --label "$1" --duration "$secs" --phases conn | grep '^RESULT' > "$f.conn"
  DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 "$bin" --bench "127.0.0.1:$2" --label "$1" --duration "$secs" --phases bulk | grep '^RESULT' > "$f.bulk"
  local t0 t1; t0=$(cpu_ticks "$3")
  DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 "$bin" --bench "127.0.0.1:$2" --label "$1" --duration "$secs" --phases rr | grep '^RESULT' > "$f.rr"
  t1=$(cpu_ticks "$3")
  local req; req=$(field "$f.rr" rr_requests)
  local line="label=$1 round=$4 conn_per_s=$(field "$f.conn" conn_per_s) conn_p99_ms=$(field "$f.conn" conn_p99_ms) throughput_MiB_s=$(field "$f.bulk" throughput_MiB_s) rr_per_s=$(field "$f.rr" rr_per_s) rr_p50_us=$(field "$f.rr" rr_p50_us) rr_p99_us=$(field "$f.rr" rr_p99_us) cpu_us_per_req=$(awk -v d=$((t1 - t0)) -v c="$clk" -v r="$req" 'BEGIN { printf "%.2f", (r > 0 ? d * 1e6 / c / r : 0) }')"
  echo "$line" | tee -a "$tmp/results"
}

echo "haproxy $("$haproxy_bin" -v | head -1 | awk '{print $3}') (nbthread $(nproc)) on 127.0.0.1:$hap; VirtualIp forwarder on 127.0.0.1:$ours; 4 echo backends; ${secs}s per phase; $rounds rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  bench haproxy "$hap" "$hap_pid" "$r"
  bench virtualip "$ours" "$ours_pid" "$r"
  [ "$engine" != both ] || bench epoll "$ours2" "$ours2_pid" "$r"
done

echo
python3 - "$tmp/results" <<'PY'
import sys, statistics as st
rows = [dict(kv.split("=", 1) for kv in l.split()) for l in open(sys.argv[1]) if l.strip()]
keys = [("conn_per_s", "conn/s", True), ("throughput_MiB_s", "bulk MiB/s", True), ("rr_per_s", "rr/s", True),
        ("cpu_us_per_req", "CPU us/req", False), ("rr_p50_us", "rr p50 us", False), ("rr_p99_us", "rr p99 us", False),
        ("conn_p99_ms", "conn p99 ms", False)]
def vals(label, k): return [float(r[k]) for r in rows if r["label"] == label and r[k] not in ("nan", "NaN", "")]
spread = lambda xs: (max(xs) - min(xs)) / st.mean(xs) * 100 if len(xs) > 1 and st.mean(xs) else float("nan")
for label in [l for l in ("virtualip", "epoll") if any(r["label"] == l for r in rows)]:
    print(f"{'metric':<13}{'haproxy':>12}{label:>12}{'ratio':>8}   noise floor (spread between rounds: haproxy / {label})")
    for k, name, higher in keys:
        h, v = vals("haproxy", k), vals(label, k)
        if not h or not v: continue
        mh, mv = st.mean(h), st.mean(v)
        print(f"{name:<13}{mh:>12.1f}{mv:>12.1f}{(mv / mh if mh else float('nan')):>8.2f}   ±{spread(h):.0f}% / ±{spread(v):.0f}%")
    print()
print("ratio = virtualip / haproxy. Targets (issue #12): conn/s >= 1.0, bulk >= 1.0, CPU us/req <= 1.0 (lower is better).")
PY
