#!/usr/bin/env bash
# Compares the VirtualIp L4 forwarder with HAProxy (TCP mode) on loopback, same echo backends, same load:
# connections/s (connect + 16-byte echo + close), streaming throughput (echoed MiB/s through the proxy), and
# request latency (64-byte ping-pong on persistent connections, p50/p99). Everything stays on 127.0.0.1.
# Usage: eng/bench-forwarder.sh [SECONDS_PER_PHASE (default 5)]     Total run time: about 6 x 3 x SECONDS + start-up.
# VIP_INLINE_COMPLETIONS=1 runs our forwarder with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 (continuations on
# the epoll threads: fewer thread hops, safe here because the pump code never blocks).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-5}"
[[ "$secs" =~ ^[0-9]+$ ]] && [ "$secs" -ge 1 ] && [ "$secs" -le 20 ] || { echo "seconds must be 1-20"; exit 2; }

haproxy_bin=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$haproxy_bin" ] || { echo "bench-forwarder: haproxy not installed (apt-get install haproxy)"; exit 2; }

bin=samples/VirtualIp.LoadBalancer/bin/Release/net10.0/VirtualIp.LoadBalancer
# Build only when a source is newer than the binary (an incremental build still costs ~30 s on a busy machine).
if [ ! -x "$bin" ] || [ -n "$(find src/VirtualIp.Abstractions src/VirtualIp src/VirtualIp.Balancing samples/VirtualIp.LoadBalancer \
      \( -name '*.cs' -o -name '*.csproj' \) -newer "$bin" -print -quit)" ]; then
  dotnet build samples/VirtualIp.LoadBalancer -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
fi

# Free loopback ports: ask the kernel for ephemeral ones by binding port 0 (python3), else fall back to a PID-based range.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
e1=$(free_port); e2=$(free_port); e3=$(free_port); e4=$(free_port); ours=$(free_port); hap=$(free_port)
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

"$bin" --echo "$backends" > "$tmp/echo.log" 2>&1 & pids+=($!)
"$haproxy_bin" -db -f "$tmp/haproxy.cfg" > "$tmp/haproxy.log" 2>&1 & pids+=($!)
DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS="${VIP_INLINE_COMPLETIONS:-0}" "$bin" --listen "127.0.0.1:$ours" --backends "$backends" --scheduler round-robin --max-connections 8000 > "$tmp/ours.log" 2>&1 & pids+=($!)

wait_port() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 did not open"; cat "$tmp"/*.log; exit 1; }
for p in $e1 $e2 $e3 $e4 $hap $ours; do wait_port "$p"; done
sleep 1

echo "haproxy $("$haproxy_bin" -v | head -1 | awk '{print $3}') (nbthread $(nproc)) on 127.0.0.1:$hap; VirtualIp forwarder on 127.0.0.1:$ours; 4 echo backends; ${secs}s per phase"
"$bin" --bench "127.0.0.1:$hap" --label haproxy --duration "$secs" | tee "$tmp/r1"
"$bin" --bench "127.0.0.1:$ours" --label virtualip --duration "$secs" | tee "$tmp/r2"

echo
printf '%-10s %12s %12s %16s %10s %11s %11s\n' target conn/s conn_p99_ms throughput_MiB/s rr/s rr_p50_us rr_p99_us
for f in "$tmp/r1" "$tmp/r2"; do
  line=$(grep '^RESULT' "$f")
  get() { echo "$line" | tr ' ' '\n' | grep "^$1=" | cut -d= -f2; }
  printf '%-10s %12s %12s %16s %10s %11s %11s\n' "$(get label)" "$(get conn_per_s)" "$(get conn_p99_ms)" "$(get throughput_MiB_s)" "$(get rr_per_s)" "$(get rr_p50_us)" "$(get rr_p99_us)"
done
