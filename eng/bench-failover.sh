#!/usr/bin/env bash
# Failover benchmark: client-visible outage when a VRRP master dies (SIGSTOP + SIGKILL + link cut) or stops
# (SIGTERM), samples/VirtualIp.Failover vs keepalived, priorities 150/100, VRRPv3, in a throwaway namespace lab
# (192.0.2.0/24 only, inside namespaces vip-fb*-*). A client probes the VIP over UDP every 5 ms; outage = longest
# gap between replies. Also: backup state change -> first gratuitous ARP, and a soak at 20 ms adverts with every
# core busy (backup state changes must stay 0).
#
#   eng/bench-failover.sh            full: 10 runs each at 1s,100ms,20ms, kill+term, 300 s soak (~25 min)
#   eng/bench-failover.sh --quick    2 runs at 100 ms, 20 s soak (under 2 minutes)
#   eng/bench-failover.sh [--runs N] [--intervals 1s,100ms,20ms] [--events kill,term,handback] [--soak 300s]
#                         [--soak-impls ours,keepalived] [--out FILE.md]
# Needs root, iproute2, tcpdump, keepalived. Removes its namespaces and children on exit, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench-failover: needs root" >&2; exit 1; }
for t in ip tcpdump keepalived; do
  command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] || { echo "bench-failover: $t not installed (apt-get install iproute2 tcpdump keepalived)" >&2; exit 2; }
done

dotnet build benchmarks/VirtualIp.FailoverBench -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
id="fb$(printf '%04x' $(( $$ & 0xffff )))"

# Belt and braces if the harness itself is killed: kill what still runs in its namespaces, then delete them.
. eng/lab/cleanup.sh
trap 'lab_cleanup "$id"' EXIT

dotnet benchmarks/VirtualIp.FailoverBench/bin/Release/net10.0/VirtualIp.FailoverBench.dll --lab-id "$id" "$@"
